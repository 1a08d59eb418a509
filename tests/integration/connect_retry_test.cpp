// A client or server started while its broker is down, or with a dead broker first in its
// --host list: it keeps trying until --connect-timeout, then exits 3 naming what it tried.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "exchange_checks.hpp"
#include "integration_support.hpp"

namespace cmdlink::integration {
namespace {

constexpr int kExitCannotConnect = 3;

class ConnectRetry : public BrokerTest {};

TEST_F(ConnectRetry, AClientStartedWhileTheBrokerIsDownPassesOnceItComesUp) {
    CmdlinkProcess* server = start_server({"--delay", "0.1", "--stop-after", "1"});
    ASSERT_NE(server, nullptr);
    ASSERT_TRUE(broker().stop());
    // The login may reach the broker before the server has subscribed again: it is retried.
    CmdlinkProcess* client =
        start_client("early-bird", {"--connect-timeout", "60", "--login-retry", "1"});
    ASSERT_NE(client, nullptr);
    ASSERT_TRUE(
        wait_until([&] { return !client->events("connect_retry").empty() || !client->running(); },
                   kWaitLimit));
    ASSERT_TRUE(client->running()) << client->describe();
    auto restarted = broker().restart();
    ASSERT_TRUE(restarted) << restarted.error();
    expect_client_passed(*client);
    expect_server_sessions_passed(*server, 1, std::nullopt);
}

TEST_F(ConnectRetry, AClientWithADeadBrokerFirstInItsHostListPassesThroughTheNext) {
    const auto dead = closed_port();
    ASSERT_TRUE(dead.has_value());
    CmdlinkProcess* server = start_server({"--delay", "0.1", "--stop-after", "1"});
    ASSERT_NE(server, nullptr);
    CmdlinkProcess* client = run_cmdlink(
        "client-failover",
        {"client", "--host", "127.0.0.1:" + std::to_string(*dead) + ",127.0.0.1:" + port_text(),
         "--user-id", "failover", "--json", "-q"});
    ASSERT_NE(client, nullptr);
    expect_client_passed(*client);
    const auto connected = client->events("connected");
    ASSERT_EQ(connected.size(), 1U) << client->describe();
    EXPECT_EQ(connected[0].value("broker", ""), "127.0.0.1:" + port_text());
    EXPECT_EQ(client->events("connect_retry").size(), 1U) << client->describe();
    expect_server_sessions_passed(*server, 1, std::nullopt);
}

TEST_F(ConnectRetry, AClientWithoutABrokerGivesUpAtItsConnectTimeoutNamingTheAddress) {
    const auto dead = closed_port();
    ASSERT_TRUE(dead.has_value());
    CmdlinkProcess* client = run_cmdlink(
        "client-nowhere", {"client", "--host", "127.0.0.1", "--port", std::to_string(*dead),
                           "--user-id", "nowhere", "--connect-timeout", "0.5", "--json", "-q"});
    ASSERT_NE(client, nullptr);
    EXPECT_EQ(client->wait_for_exit(), kExitCannotConnect) << client->describe();
    const auto errors = client->events("error");
    ASSERT_EQ(errors.size(), 1U) << client->describe();
    const std::string address = "127.0.0.1:" + std::to_string(*dead);
    EXPECT_EQ(errors[0].value("message", ""),
              "no MQTT connection to " + address +
                  " within the connect timeout (0.5 s); last: cannot connect to " + address +
                  ": Connection refused: nothing listens on port " +
                  address.substr(address.rfind(':') + 1) +
                  " of 127.0.0.1 (is the broker running? is -p/--port right?)");
}

TEST_F(ConnectRetry, AServerStartedWhileTheBrokerIsDownServesOnceItComesUp) {
    ASSERT_TRUE(broker().stop());
    CmdlinkProcess* server = run_cmdlink(
        "server-early", {"server", "--host", "127.0.0.1", "--port", port_text(), "--json", "-q",
                         "--connect-timeout", "60", "--delay", "0.1", "--stop-after", "1",
                         "--ledger", (workspace() / "ledger.db").string()});
    ASSERT_NE(server, nullptr);
    ASSERT_TRUE(
        wait_until([&] { return !server->events("connect_retry").empty() || !server->running(); },
                   kWaitLimit));
    ASSERT_TRUE(server->running()) << server->describe();
    auto restarted = broker().restart();
    ASSERT_TRUE(restarted) << restarted.error();
    ASSERT_TRUE(wait_until(
        [&] { return broker_saw_subscription("cmdlink-server", "+/+") || !server->running(); },
        kWaitLimit));
    CmdlinkProcess* client = start_client("after-restart", {});
    ASSERT_NE(client, nullptr);
    expect_client_passed(*client);
    expect_server_sessions_passed(*server, 1, std::nullopt);
}

TEST_F(ConnectRetry, AServerWithoutABrokerExitsCannotConnectAtItsConnectTimeout) {
    const auto dead = closed_port();
    ASSERT_TRUE(dead.has_value());
    CmdlinkProcess* server =
        run_cmdlink("server-nowhere",
                    {"server", "--host", "127.0.0.1:" + std::to_string(*dead), "--json", "-q",
                     "--connect-timeout", "0.5", "--ledger", (workspace() / "ledger.db").string()});
    ASSERT_NE(server, nullptr);
    EXPECT_EQ(server->wait_for_exit(), kExitCannotConnect) << server->describe();
    EXPECT_NE(server->stderr_text().find("no MQTT connection to 127.0.0.1:" +
                                         std::to_string(*dead) + " within the connect timeout"),
              std::string::npos)
        << server->describe();
}

}  // namespace
}  // namespace cmdlink::integration
