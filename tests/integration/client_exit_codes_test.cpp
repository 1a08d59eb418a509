// Every exit code of `cmdlink client`, each caused for real.
#include <gtest/gtest.h>

#include <csignal>
#include <string>
#include <vector>

#include "exchange_checks.hpp"
#include "integration_support.hpp"

namespace cmdlink::integration {
namespace {

constexpr int kExitPassed = 0;
constexpr int kExitUsage = 2;
constexpr int kExitCannotConnect = 3;
constexpr int kExitLoginTimeout = 4;
constexpr int kExitIdleTimeout = 5;
constexpr int kExitInterrupted = 6;

// The "reason" of the client's last "error" event, or "" without one.
std::string error_reason(const CmdlinkProcess& process) {
    const auto errors = process.events("error");
    return errors.empty() ? std::string() : errors.back().value("reason", "");
}

class ClientExitCodes : public ProcessTest {
  protected:
    // A client pointed at a port where nothing listens: it tries until its connect timeout,
    // then exits 3.
    CmdlinkProcess* run_client_without_broker(const std::string& user_id,
                                              const std::vector<std::string>& flags = {}) {
        const auto port = closed_port();
        if (!port) return nullptr;
        std::vector<std::string> arguments = {
            "client",    "--host", "127.0.0.1", "--port", std::to_string(*port),
            "--user-id", user_id,  "--json",    "-q",     "--connect-timeout",
            "0.5"};
        arguments.insert(arguments.end(), flags.begin(), flags.end());
        return run_cmdlink("client", arguments);
    }
};

TEST_F(ClientExitCodes, InvalidUserIdIsAUsageError) {
    const std::vector<std::string> invalid = {"a/b", "",    std::string(65, 'u'),
                                              "a+b", "a#b", "tab\there"};
    for (const std::string& user_id : invalid) {
        SCOPED_TRACE("user ID '" + user_id + "'");
        CmdlinkProcess* client = run_client_without_broker(user_id);
        ASSERT_NE(client, nullptr);
        // 2 before any network activity: with an attempt to connect it would be 3.
        EXPECT_EQ(client->wait_for_exit(), kExitUsage) << client->describe();
        EXPECT_EQ(error_reason(*client), "usage") << client->describe();
        EXPECT_NE(client->stderr_text().find("user"), std::string::npos) << client->describe();
    }
}

TEST_F(ClientExitCodes, UserIdOf64BytesIsAccepted) {
    CmdlinkProcess* client = run_client_without_broker(std::string(64, 'u'));
    ASSERT_NE(client, nullptr);
    // Past the checks, the client tries the network, where nothing listens.
    EXPECT_EQ(client->wait_for_exit(), kExitCannotConnect) << client->describe();
}

TEST_F(ClientExitCodes, MissingPasswordFileIsAUsageError) {
    CmdlinkProcess* client =
        run_client_without_broker("12345", {"--password-file", "/nonexistent/password"});
    ASSERT_NE(client, nullptr);
    EXPECT_EQ(client->wait_for_exit(), kExitUsage) << client->describe();
    EXPECT_EQ(error_reason(*client), "usage") << client->describe();
}

TEST_F(ClientExitCodes, PortWithoutBrokerCannotConnect) {
    CmdlinkProcess* client = run_client_without_broker("12345");
    ASSERT_NE(client, nullptr);
    EXPECT_EQ(client->wait_for_exit(), kExitCannotConnect) << client->describe();
    EXPECT_EQ(error_reason(*client), "cannot_connect") << client->describe();
}

class ClientExitCodesWithBroker : public BrokerTest {};

TEST_F(ClientExitCodesWithBroker, NoServerMeansLoginTimeout) {
    CmdlinkProcess* client = start_client("lonely", {"--login-timeout", "0.5"});
    ASSERT_NE(client, nullptr);
    EXPECT_EQ(client->wait_for_exit(), kExitLoginTimeout) << client->describe();
    EXPECT_EQ(error_reason(*client), "login_timeout") << client->describe();
    EXPECT_TRUE(client->events("session").empty());
}

TEST_F(ClientExitCodesWithBroker, SilentServerMeansIdleTimeout) {
    // The idle timeout runs from the session ID on; the first command is 20 s away.
    CmdlinkProcess* server = start_server({"--delay", "20"});
    ASSERT_NE(server, nullptr);
    CmdlinkProcess* client = start_client("waiting", {"--idle-timeout", "0.5"});
    ASSERT_NE(client, nullptr);
    EXPECT_EQ(client->wait_for_exit(), kExitIdleTimeout) << client->describe();
    EXPECT_EQ(error_reason(*client), "idle_timeout") << client->describe();
    EXPECT_EQ(client->events("session").size(), 1U) << client->describe();
    EXPECT_TRUE(client->events("command").empty());
    EXPECT_EQ(server->stop(), 0) << server->describe();
}

TEST_F(ClientExitCodesWithBroker, SigintWhileWaitingForTheSessionMeansInterrupted) {
    CmdlinkProcess* client = start_client("impatient", {"--login-timeout", "60"});
    ASSERT_NE(client, nullptr);
    // Waiting for its session ID: subscribed to <user ID>/UUID, with nobody to answer.
    ASSERT_TRUE(wait_until(
        [&] {
            return broker_saw_subscription("cmdlink-impatient", "impatient/UUID") ||
                   !client->running();
        },
        kWaitLimit));
    ASSERT_TRUE(client->running()) << client->describe();
    client->send_signal(SIGINT);
    EXPECT_EQ(client->wait_for_exit(), kExitInterrupted) << client->describe();
    EXPECT_EQ(error_reason(*client), "interrupted") << client->describe();
    const auto summaries = client->events("summary");
    ASSERT_EQ(summaries.size(), 1U) << client->describe();
    EXPECT_EQ(summaries[0].value("outcome", ""), "interrupted");
    EXPECT_NE(client->stderr_text().find("interrupted"), std::string::npos) << client->describe();
}

// A broker that lets in only known users with their passwords.
class ClientAuthentication : public BrokerTest {
  protected:
    [[nodiscard]] broker::BrokerOptions broker_options() const override {
        broker::BrokerOptions options;
        options.users = {{"device", "device-secret"}, {"issuer", "issuer-secret"}};
        return options;
    }
};

TEST_F(ClientAuthentication, WrongPasswordCannotConnect) {
    const auto password = write_file("wrong-password", "not-the-secret\n");
    CmdlinkProcess* client =
        start_client("12345", {"--username", "device", "--password-file", password.string()});
    ASSERT_NE(client, nullptr);
    EXPECT_EQ(client->wait_for_exit(), kExitCannotConnect) << client->describe();
    EXPECT_EQ(error_reason(*client), "cannot_connect") << client->describe();
}

TEST_F(ClientAuthentication, RightPasswordPasses) {
    const auto server_password = write_file("issuer-password", "issuer-secret\n");
    const auto client_password = write_file("device-password", "device-secret\n");
    CmdlinkProcess* server =
        start_server({"--username", "issuer", "--password-file", server_password.string(),
                      "--delay", "0.1", "--commands", "3-11", "--stop-after", "1"});
    ASSERT_NE(server, nullptr);
    CmdlinkProcess* client = start_client(
        "12345", {"--username", "device", "--password-file", client_password.string()});
    ASSERT_NE(client, nullptr);
    const std::string session_id = expect_client_passed(*client);
    EXPECT_EQ(client->wait_for_exit(), kExitPassed);
    expect_server_sessions_passed(*server, 1, 1);
    const auto ended = server->events("session_end");
    ASSERT_EQ(ended.size(), 1U);
    EXPECT_EQ(ended[0].value("session_id", ""), session_id);
}

}  // namespace
}  // namespace cmdlink::integration
