// The habits of other MQTT tools (issue 11): mosquitto_sub's short flags, messages that name a
// mistyped flag or command, and a config file for the flags typed every time. Each with the
// real cmdlink against a real Mosquitto and server.
#include <gtest/gtest.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "exchange_checks.hpp"
#include "integration_support.hpp"

namespace cmdlink::integration {
namespace {

constexpr int kExitPassed = 0;
constexpr int kExitUsage = 2;

// The server's one session_end, which must name `user_id` and have passed.
void expect_session_of(CmdlinkProcess& server, const std::string& user_id) {
    expect_server_sessions_passed(server, 1, std::nullopt);
    const auto ended = server.events("session_end");
    ASSERT_EQ(ended.size(), 1U) << server.describe();
    EXPECT_EQ(ended[0].value("user_id", ""), user_id) << ended[0].dump();
}

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

class MqttToolHabits : public BrokerTest {
  protected:
    CmdlinkProcess* start_one_session_server() {
        return start_server({"--delay", "0.1", "--commands", "3", "--stop-after", "1"});
    }
};

TEST_F(MqttToolHabits, MosquittoShortFlagsPassASession) {
    CmdlinkProcess* server = start_one_session_server();
    ASSERT_NE(server, nullptr);
    CmdlinkProcess* client =
        run_cmdlink("client", {"client", "-h", "127.0.0.1", "-p", port_text(), "--user-id", "1",
                               "--json", "-q", "-i", "habit-1", "-k", "20", "-V", "mqttv311"});
    ASSERT_NE(client, nullptr);
    expect_client_passed(*client);
    EXPECT_EQ(client->wait_for_exit(), kExitPassed) << client->describe();
    expect_session_of(*server, "1");
    EXPECT_TRUE(broker_saw_subscription("habit-1", "1/UUID")) << "the client ID is -i's";
}

TEST_F(MqttToolHabits, HostWithPortAndAnMqttUrlPassSessions) {
    CmdlinkProcess* server =
        start_server({"--delay", "0.1", "--commands", "3", "--stop-after", "2"});
    ASSERT_NE(server, nullptr);
    CmdlinkProcess* by_host = run_cmdlink(
        "client-host",
        {"client", "--host", "127.0.0.1:" + port_text(), "--user-id", "2", "--json", "-q"});
    ASSERT_NE(by_host, nullptr);
    expect_client_passed(*by_host);
    CmdlinkProcess* by_url =
        run_cmdlink("client-url", {"client", "-L", "mqtt://student@127.0.0.1:" + port_text(),
                                   "--user-id", "3", "--json", "-q"});
    ASSERT_NE(by_url, nullptr);
    expect_client_passed(*by_url);
    EXPECT_EQ(server->wait_for_exit(), kExitPassed) << server->describe();
}

TEST_F(MqttToolHabits, APortGivenTwiceThatDisagreesIsAUsageError) {
    CmdlinkProcess* client = run_cmdlink(
        "client", {"client", "--host", "127.0.0.1:" + port_text(), "-p", "1", "--user-id", "4"});
    ASSERT_NE(client, nullptr);
    EXPECT_EQ(client->wait_for_exit(), kExitUsage) << client->describe();
    EXPECT_TRUE(contains(client->stderr_text(), "but --port says 1: give the port once"))
        << client->describe();
}

TEST_F(MqttToolHabits, AMistypedFlagIsNamedWithTheFlagItMeant) {
    CmdlinkProcess* client = run_cmdlink(
        "client", {"client", "--userid", "12345", "-h", "127.0.0.1", "-p", port_text()});
    ASSERT_NE(client, nullptr);
    EXPECT_EQ(client->wait_for_exit(), kExitUsage) << client->describe();
    const std::string said = client->stderr_text();
    EXPECT_TRUE(contains(said, "unknown option --userid (did you mean --user-id?)")) << said;
    EXPECT_FALSE(contains(said, "required")) << said;
}

TEST_F(MqttToolHabits, AMistypedCommandIsNamedWithTheCommandItMeant) {
    CmdlinkProcess* cmdlink = run_cmdlink("clinet", {"clinet", "--user-id", "1"});
    ASSERT_NE(cmdlink, nullptr);
    EXPECT_EQ(cmdlink->wait_for_exit(), kExitUsage) << cmdlink->describe();
    const std::string said = cmdlink->stderr_text();
    EXPECT_TRUE(contains(said, "unknown command clinet (did you mean client?)")) << said;
}

TEST_F(MqttToolHabits, HelpIsOnTheLongFlag) {
    CmdlinkProcess* help = run_cmdlink("help", {"client", "--help"});
    ASSERT_NE(help, nullptr);
    EXPECT_EQ(help->wait_for_exit(), kExitPassed) << help->describe();
    EXPECT_TRUE(contains(help->stdout_text(), "-h,--host")) << help->stdout_text();
    CmdlinkProcess* short_help = run_cmdlink("short-help", {"client", "-h"});
    ASSERT_NE(short_help, nullptr);
    EXPECT_EQ(short_help->wait_for_exit(), kExitUsage) << short_help->describe();
    EXPECT_TRUE(contains(short_help->stderr_text(),
                         "-h is the broker host, as in "
                         "mosquitto_sub; help is --help"))
        << short_help->describe();
}

TEST_F(MqttToolHabits, AConfigFileGivesTheFlagsAndTheCommandLineOverridesThem) {
    const auto closed = closed_port();
    ASSERT_TRUE(closed);
    // The file's port has no broker and its user ID is not the one expected: the session
    // passes only if both flags of the command line win.
    const auto config = write_file(
        "client.toml", "# lab 1\nhost = \"127.0.0.1\"\nport = " + std::to_string(*closed) +
                           "\nuser-id = \"from-file\"\njson = true\n");
    CmdlinkProcess* server = start_one_session_server();
    ASSERT_NE(server, nullptr);
    CmdlinkProcess* client =
        run_cmdlink("client", {"client", "--config", config.string(), "-p", port_text(),
                               "--user-id", "from-command-line", "-q", "--connect-timeout", "5"});
    ASSERT_NE(client, nullptr);
    expect_client_passed(*client);
    EXPECT_EQ(client->wait_for_exit(), kExitPassed) << client->describe();
    expect_session_of(*server, "from-command-line");
}

TEST_F(MqttToolHabits, TheUserConfigFileIsReadWithoutConfig) {
    // ProcessTest points XDG_CONFIG_HOME at <workspace>/config for every cmdlink it starts.
    std::filesystem::create_directories(workspace() / "config" / "cmdlink");
    write_file("config/cmdlink/client.toml",
               "host = \"127.0.0.1\"\nport = " + port_text() + "\nuser-id = \"from-user-file\"\n");
    CmdlinkProcess* server = start_one_session_server();
    ASSERT_NE(server, nullptr);
    CmdlinkProcess* client = run_cmdlink("client", {"client", "--json", "-q"});
    ASSERT_NE(client, nullptr);
    expect_client_passed(*client);
    EXPECT_EQ(client->wait_for_exit(), kExitPassed) << client->describe();
    expect_session_of(*server, "from-user-file");
}

TEST_F(MqttToolHabits, ABadConfigFileIsAUsageErrorNamingFileLineAndKey) {
    const auto malformed = write_file("malformed.toml", "port = 1883\nhost 127.0.0.1\n");
    const auto unknown = write_file("unknown.toml", "hots = \"127.0.0.1\"\n");
    const auto missing = workspace() / "missing.toml";
    const std::vector<std::pair<std::filesystem::path, std::string>> cases = {
        {malformed, "config file " + malformed.string() + ", line 2: "},
        {unknown,
         "config file " + unknown.string() + ", line 1: unknown key hots (did you mean host?)"},
        {missing, "the config file " + missing.string() + " does not exist"},
    };
    for (const auto& [file, message] : cases) {
        SCOPED_TRACE(file.string());
        CmdlinkProcess* client = run_cmdlink(
            "client", {"client", "--config", file.string(), "--user-id", "1", "--json"});
        ASSERT_NE(client, nullptr);
        EXPECT_EQ(client->wait_for_exit(), kExitUsage) << client->describe();
        EXPECT_TRUE(contains(client->stderr_text(), message)) << client->describe();
        const auto errors = client->events("error");
        ASSERT_EQ(errors.size(), 1U) << client->describe();
        EXPECT_EQ(errors[0].value("reason", ""), "usage");
    }
}

TEST_F(MqttToolHabits, TheServerReadsAConfigFileToo) {
    const auto config =
        write_file("server.toml", "delay = 0.1\ncommands = \"3\"\nstop-after = 1\n");
    CmdlinkProcess* server = start_server({"--config", config.string()});
    ASSERT_NE(server, nullptr);
    CmdlinkProcess* client = start_client("5", {});
    ASSERT_NE(client, nullptr);
    expect_client_passed(*client);
    expect_session_of(*server, "5");
}

}  // namespace
}  // namespace cmdlink::integration
