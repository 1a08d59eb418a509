// The server as a system service (packaging/systemd/cmdlink-server.service): it tells a
// service manager READY=1 and STOPPING=1 through $NOTIFY_SOCKET (here a real unix datagram
// socket of the test's own), writes --log-file with ISO-8601 times and reopens it on SIGHUP,
// keeps its ledger private, reads its default config file, says in one line what it runs
// with, and reports a connection it cannot make as an error.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "integration_support.hpp"
#include "service_helpers.hpp"

namespace cmdlink::integration {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitCannotConnect = 3;

std::optional<unsigned> file_mode(const std::filesystem::path& path) {
    struct stat status {};
    if (::stat(path.c_str(), &status) != 0) return std::nullopt;
    return status.st_mode & 0777U;
}

class ServerService : public BrokerTest {
  protected:
    // `cmdlink server` on the fixture's broker, without -q: the info lines are the subject.
    CmdlinkProcess* start_service(const std::string& name, std::vector<std::string> flags) {
        std::vector<std::string> arguments = {"server", "--host", "127.0.0.1", "--port",
                                              port_text()};
        if (std::find(flags.begin(), flags.end(), "--ledger") == flags.end()) {
            arguments.insert(arguments.end(), {"--ledger", ledger().string()});
        }
        arguments.insert(arguments.end(), flags.begin(), flags.end());
        return run_cmdlink(name, arguments);
    }

    [[nodiscard]] std::filesystem::path ledger() const { return workspace() / "ledger.db"; }
};

TEST_F(ServerService, TellsTheServiceManagerReadyOnceSubscribedAndStoppingOnSigterm) {
    NotifySocket notify(workspace() / "notify");
    const ScopedEnvironment socket("NOTIFY_SOCKET", notify.path().string());
    CmdlinkProcess* server = start_service("server", {});
    ASSERT_NE(server, nullptr);
    ASSERT_TRUE(
        wait_until([&] { return notify.received("READY=1") || !server->running(); }, kWaitLimit))
        << notify.all();
    ASSERT_TRUE(notify.received("READY=1")) << notify.all();
    // Ready means subscribed: a login from now on cannot be lost.
    EXPECT_TRUE(broker_saw_subscription("cmdlink-server", "login"));
    EXPECT_FALSE(notify.received("STOPPING=1"));
    server->send_signal(SIGTERM);
    EXPECT_EQ(server->wait_for_exit(), kExitOk) << server->describe();
    EXPECT_TRUE(notify.received("STOPPING=1")) << notify.all();
    const std::vector<std::string>& messages = notify.messages();
    ASSERT_FALSE(messages.empty());
    EXPECT_NE(messages.front().find("STATUS=serving logins from 127.0.0.1:" + port_text()),
              std::string::npos)
        << notify.all();
}

TEST_F(ServerService, SighupAroundALogReopenIsReloadingThenReady) {
    NotifySocket notify(workspace() / "notify");
    const ScopedEnvironment socket("NOTIFY_SOCKET", notify.path().string());
    CmdlinkProcess* server =
        start_service("server", {"--log-file", (workspace() / "log").string()});
    ASSERT_NE(server, nullptr);
    ASSERT_TRUE(
        wait_until([&] { return notify.received("READY=1") || !server->running(); }, kWaitLimit))
        << notify.all();
    const std::size_t before = notify.messages().size();
    server->send_signal(SIGHUP);
    // The position of RELOADING=1 among the messages since the signal (a STATUS= line of the
    // server's periodic report may come first), once READY=1 has come after it.
    const auto reloading_at = [&]() -> std::optional<std::size_t> {
        const std::vector<std::string>& messages = notify.messages();
        for (std::size_t at = before; at + 1 < messages.size(); ++at) {
            if (messages[at].rfind("RELOADING=1\n", 0) == 0) return at;
        }
        return std::nullopt;
    };
    ASSERT_TRUE(
        wait_until([&] { return reloading_at().has_value() || !server->running(); }, kWaitLimit))
        << notify.all();
    ASSERT_TRUE(reloading_at().has_value()) << notify.all() << server->describe();
    const std::size_t at = *reloading_at();
    const std::vector<std::string> messages = notify.messages();
    EXPECT_EQ(messages[at].rfind("RELOADING=1\nMONOTONIC_USEC=", 0), 0U) << notify.all();
    EXPECT_EQ(messages[at + 1].rfind("READY=1\n", 0), 0U) << notify.all();
    EXPECT_TRUE(server->running()) << server->describe();
}

TEST_F(ServerService, LogFileLinesCarryDateTimeAndOffset) {
    const auto log = workspace() / "server.log";
    CmdlinkProcess* server = start_service("server", {"--log-file", log.string()});
    ASSERT_NE(server, nullptr);
    ASSERT_NE(when_subscribed(server, "the logging server"), nullptr);
    EXPECT_EQ(server->stop(), kExitOk);
    const std::string text = read_text(log);
    ASSERT_NE(text.find("starting: broker"), std::string::npos) << text;
    const std::regex line(
        R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d (info |warning|error) .+)");
    std::size_t lines = 0;
    std::size_t start = 0;
    for (std::size_t end = text.find('\n'); end != std::string::npos && lines < 1000;
         start = end + 1, end = text.find('\n', start)) {
        const std::string one = text.substr(start, end - start);
        EXPECT_TRUE(std::regex_match(one, line)) << one;
        ++lines;
    }
    EXPECT_GE(lines, 3U) << text;
}

TEST_F(ServerService, SighupAfterARenameSendsTheNextLinesToANewFileAtThePath) {
    const auto log = workspace() / "server.log";
    const auto rotated = workspace() / "server.log.1";
    CmdlinkProcess* server = start_service("server", {"--log-file", log.string()});
    ASSERT_NE(server, nullptr);
    ASSERT_NE(when_subscribed(server, "the logging server"), nullptr);
    std::filesystem::rename(log, rotated);
    server->send_signal(SIGHUP);
    ASSERT_TRUE(wait_until(
        [&] { return read_text(log).find("reopened") != std::string::npos || !server->running(); },
        kWaitLimit))
        << server->describe();
    EXPECT_TRUE(server->running()) << server->describe();
    EXPECT_EQ(server->stop(), kExitOk);
    const std::string old_text = read_text(rotated);
    const std::string new_text = read_text(log);
    EXPECT_NE(old_text.find("starting: broker"), std::string::npos) << old_text;
    EXPECT_NE(old_text.find("received SIGHUP"), std::string::npos) << old_text;
    EXPECT_EQ(old_text.find("reopened"), std::string::npos) << old_text;
    EXPECT_EQ(new_text.find("starting: broker"), std::string::npos) << new_text;
    EXPECT_NE(new_text.find("server stopped"), std::string::npos) << new_text;
}

TEST_F(ServerService, ANewLedgerAndItsJournalFilesAreReadableByTheOwnerOnly) {
    CmdlinkProcess* server = start_service("server", {});
    ASSERT_NE(server, nullptr);
    ASSERT_NE(when_subscribed(server, "the server"), nullptr);
    EXPECT_EQ(file_mode(ledger()), 0600U);
    // Write-ahead log mode: SQLite makes both files beside the ledger while it is open.
    const auto wal = std::filesystem::path(ledger().string() + "-wal");
    const auto shm = std::filesystem::path(ledger().string() + "-shm");
    ASSERT_TRUE(wait_until([&] { return std::filesystem::exists(wal); }, kWaitLimit));
    EXPECT_EQ(file_mode(wal), 0600U);
    EXPECT_EQ(file_mode(shm), 0600U);
    EXPECT_EQ(server->stop(), kExitOk);
}

TEST_F(ServerService, ReadsServerTomlFromTheConfigurationDirectory) {
    std::filesystem::create_directories(workspace() / "service-etc");
    const auto configured_ledger = workspace() / "from-config.db";
    write_file("service-etc/server.toml",
               "ledger = \"" + configured_ledger.string() + "\"\nqos = \"2\"\n");
    const ScopedEnvironment directory("CONFIGURATION_DIRECTORY",
                                      (workspace() / "service-etc").string());
    CmdlinkProcess* server = run_cmdlink(
        "server", {"server", "--host", "127.0.0.1", "--port", port_text(), "--stop-after", "1"});
    ASSERT_NE(server, nullptr);
    ASSERT_NE(when_subscribed(server, "the configured server"), nullptr);
    EXPECT_TRUE(std::filesystem::exists(configured_ledger));
    const std::string text = server->stderr_text();
    EXPECT_NE(text.find("; ledger " + configured_ledger.string() + ";"), std::string::npos) << text;
    EXPECT_NE(text.find("policy QoS 2,"), std::string::npos) << text;
    EXPECT_EQ(server->stop(), kExitOk);
}

TEST_F(ServerService, AConfigFlagTakesThePlaceOfTheDefaultFile) {
    std::filesystem::create_directories(workspace() / "service-etc");
    write_file("service-etc/server.toml", "qos = \"2\"\n");
    const auto other = write_file("other.toml", "qos = \"0\"\n");
    const ScopedEnvironment directory("CONFIGURATION_DIRECTORY",
                                      (workspace() / "service-etc").string());
    CmdlinkProcess* server = start_service("server", {"--config", other.string()});
    ASSERT_NE(server, nullptr);
    ASSERT_NE(when_subscribed(server, "the configured server"), nullptr);
    const std::string text = server->stderr_text();
    EXPECT_NE(text.find("policy QoS 0,"), std::string::npos) << text;
    EXPECT_EQ(server->stop(), kExitOk);
}

TEST_F(ServerService, TheStartupLineNamesBrokerAccountLedgerPoolAndPolicy) {
    const auto password = write_file("password", "whatever\n");
    CmdlinkProcess* server =
        start_service("server", {"--username", "issuer", "--password-file", password.string(),
                                 "--commands", "4-6", "--session-timeout", "12", "--strict"});
    ASSERT_NE(server, nullptr);
    ASSERT_NE(when_subscribed(server, "the server"), nullptr);
    const std::string text = server->stderr_text();
    const std::string expected =
        "starting: broker 127.0.0.1:" + port_text() +
        " (plain TCP, no TLS); account issuer (password: --password-file " + password.string() +
        "), client ID cmdlink-server; ledger " + ledger().string() +
        "; session pool none; policy QoS 1, commands 4-6 of a table of";
    EXPECT_NE(text.find(expected), std::string::npos) << text;
    EXPECT_NE(text.find("session timeout 12 s, burst, strict, max sessions 10000"),
              std::string::npos)
        << text;
    // One line: every part of it on the line that starts it.
    const std::size_t at = text.find("starting: ");
    ASSERT_NE(at, std::string::npos);
    EXPECT_LT(text.find("max sessions"), text.find('\n', at));
    EXPECT_EQ(server->stop(), kExitOk);
}

TEST_F(ServerService, ARefusedConnectionIsLoggedAsAnError) {
    const auto dead = closed_port();
    ASSERT_TRUE(dead.has_value());
    CmdlinkProcess* server =
        run_cmdlink("server-nowhere", {"server", "--host", "127.0.0.1:" + std::to_string(*dead),
                                       "--connect-timeout", "0.5", "--ledger", ledger().string()});
    ASSERT_NE(server, nullptr);
    EXPECT_EQ(server->wait_for_exit(), kExitCannotConnect) << server->describe();
    const std::string text = server->stderr_text();
    EXPECT_NE(text.find("error server: no MQTT connection to 127.0.0.1:" + std::to_string(*dead)),
              std::string::npos)
        << text;
    EXPECT_EQ(text.find("info  server stopped"), std::string::npos) << text;
}

class ServerServiceWithAccounts : public ServerService {
  protected:
    [[nodiscard]] broker::BrokerOptions broker_options() const override {
        broker::BrokerOptions options;
        options.users = {{"issuer", "issuer-secret"}};
        return options;
    }
};

TEST_F(ServerServiceWithAccounts, AWrongPasswordIsLoggedAsAnError) {
    const auto password = write_file("wrong-password", "not-the-secret\n");
    CmdlinkProcess* server = start_service("server", {"--username", "issuer", "--password-file",
                                                      password.string(), "--connect-timeout", "2"});
    ASSERT_NE(server, nullptr);
    EXPECT_EQ(server->wait_for_exit(), kExitCannotConnect) << server->describe();
    const std::string text = server->stderr_text();
    EXPECT_NE(text.find("error"), std::string::npos) << text;
    EXPECT_NE(text.find("not authori"), std::string::npos) << text;
    // No line about the refusal at info level.
    EXPECT_EQ(text.find("info  server stopped"), std::string::npos) << text;
}

}  // namespace
}  // namespace cmdlink::integration
