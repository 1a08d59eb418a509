// Errors a student can act on (issue 11): each mistake students make, made for real against
// a real Mosquitto and the real cmdlink, and the sentence it earns.
#include <gtest/gtest.h>

#include <csignal>
#include <string>
#include <vector>

#include "broker/loopback_port.hpp"
#include "exchange_checks.hpp"
#include "integration_support.hpp"
#include "net/mosquitto_library.hpp"
#include "raw_device.hpp"

namespace cmdlink::integration {
namespace {

constexpr int kExitUsage = 2;
constexpr int kExitCannotConnect = 3;
constexpr int kExitLoginTimeout = 4;
constexpr int kExitInterrupted = 6;

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

// --json's last line.
Json last_event(const CmdlinkProcess& process) {
    const auto events = process.events();
    return events.empty() ? Json() : events.back();
}

class StudentErrors : public BrokerTest {};

TEST_F(StudentErrors, ALoginTimeoutListsTheLikelyCausesInOrder) {
    CmdlinkProcess* client = start_client("lonely", {"--login-timeout", "0.5"});
    ASSERT_NE(client, nullptr);
    EXPECT_EQ(client->wait_for_exit(), kExitLoginTimeout) << client->describe();
    const std::string text = client->stderr_text();
    const auto server = text.find("(1) no cmdlink server is running");
    const auto roster = text.find("(2) user ID lonely is not on the server's roster");
    const auto other = text.find("(3) the instructor expects a different user ID");
    ASSERT_NE(server, std::string::npos) << text;
    ASSERT_NE(roster, std::string::npos) << text;
    ASSERT_NE(other, std::string::npos) << text;
    EXPECT_LT(server, roster);
    EXPECT_LT(roster, other);
    // No session ID, so no latency: said as such, never as a negative time.
    EXPECT_FALSE(contains(text, "-1.0 ms")) << text;
    EXPECT_TRUE(contains(text, "login to session ID none")) << text;
    const Json summary = last_event(*client);
    EXPECT_EQ(summary.value("event", ""), "summary") << summary.dump();
    EXPECT_TRUE(summary["login_to_session_ms"].is_null()) << summary.dump();
}

TEST_F(StudentErrors, WithFeedbackTheLoginTimeoutGivesTheServersReason) {
    // One session in flight, still in its delay (so not evictable), fills the server.
    CmdlinkProcess* server = start_server(
        {"--feedback", "--max-sessions", "1", "--delay", "60", "--session-timeout", "120"});
    ASSERT_NE(server, nullptr);
    const net::MosquittoLibrary library;
    auto first = RawDevice::connect(port(), "raw-first");
    ASSERT_TRUE(first.ok()) << first.error();
    ASSERT_TRUE(first.value()->log_in("first").ok()) << server->describe();
    CmdlinkProcess* client = start_client("second", {"--login-timeout", "1"});
    ASSERT_NE(client, nullptr);
    EXPECT_EQ(client->wait_for_exit(), kExitLoginTimeout) << client->describe();
    EXPECT_TRUE(contains(client->stderr_text(),
                         "The server refused the login: the server is at its limit of 1 sessions "
                         "in flight"))
        << client->describe();
    EXPECT_FALSE(client->events("login_refused").empty()) << client->describe();
    EXPECT_EQ(server->stop(), 0) << server->describe();
}

// Two clients with the same user ID, so the same client ID: the broker closes the older
// connection for the newer, each reconnect closes the other's, until one of them names it.
// (An MQTT 5 broker may say so with DISCONNECT 0x8E; Mosquitto 2.0.11 closes the connection
// without a word on both versions.)
class TakeoverTest : public StudentErrors, public ::testing::WithParamInterface<const char*> {};

TEST_P(TakeoverTest, ATakeoverByAClientWithTheSameIdIsNamedWithTheFix) {
    CmdlinkProcess* first = start_client("twin", {"-V", GetParam(), "--login-timeout", "60"});
    ASSERT_NE(first, nullptr);
    ASSERT_TRUE(wait_until(
        [&] { return broker_saw_subscription("cmdlink-twin", "twin/UUID") || !first->running(); },
        kWaitLimit));
    CmdlinkProcess* second = start_client("twin", {"-V", GetParam(), "--login-timeout", "60"});
    ASSERT_NE(second, nullptr);
    ASSERT_TRUE(wait_until([&] { return !first->running() || !second->running(); }, kWaitLimit));
    CmdlinkProcess* gave_up = first->running() ? second : first;
    CmdlinkProcess* stayed = first->running() ? first : second;
    EXPECT_EQ(gave_up->wait_for_exit(), kExitCannotConnect) << gave_up->describe();
    EXPECT_TRUE(contains(gave_up->stderr_text(), "the same client ID (cmdlink-twin)"))
        << gave_up->describe();
    EXPECT_TRUE(contains(gave_up->stderr_text(), "-i/--client-id")) << gave_up->describe();
    stayed->send_signal(SIGINT);
    EXPECT_EQ(stayed->wait_for_exit(), kExitInterrupted) << stayed->describe();
}

INSTANTIATE_TEST_SUITE_P(OnBothMqttVersions, TakeoverTest, ::testing::Values("311", "5"));

// A broker with a WebSocket listener beside its MQTT one.
class WebSocketBroker : public BrokerTest {
  protected:
    [[nodiscard]] broker::BrokerOptions broker_options() const override {
        broker::BrokerOptions options;
        options.extra_config =
            "listener " + std::to_string(websocket_port_) + " 127.0.0.1\nprotocol websockets\n";
        return options;
    }
    int websocket_port_ = [] {
        auto port = broker::pick_free_loopback_port();
        return port.ok() ? port.value() : 0;
    }();
};

TEST_F(WebSocketBroker, AClientOnTheWebSocketPortIsToldSo) {
    ASSERT_NE(websocket_port_, 0);
    CmdlinkProcess* client = run_cmdlink(
        "client", {"client", "--host", "127.0.0.1", "--port", std::to_string(websocket_port_),
                   "--user-id", "12345", "--json", "--connect-timeout", "2"});
    ASSERT_NE(client, nullptr);
    EXPECT_EQ(client->wait_for_exit(), kExitCannotConnect) << client->describe();
    EXPECT_TRUE(contains(client->stderr_text(), "is probably a WebSocket listener"))
        << client->describe();
}

// A broker that knows one account, not the course's shared one.
class AccountsBroker : public BrokerTest {
  protected:
    [[nodiscard]] broker::BrokerOptions broker_options() const override {
        broker::BrokerOptions options;
        options.users = {{"alice", "alice-secret"}};
        return options;
    }
};

TEST_F(AccountsBroker, NotAuthorisedNamesTheDefaultUserNameAndThePasswordsSource) {
    CmdlinkProcess* client = start_client("12345", {});
    ASSERT_NE(client, nullptr);
    EXPECT_EQ(client->wait_for_exit(), kExitCannotConnect) << client->describe();
    EXPECT_TRUE(contains(client->stderr_text(),
                         "not authorised as user name 'student' (the default: no -u/--username "
                         "was given), the built-in password of the shared account 'student'"))
        << client->describe();
}

TEST_F(StudentErrors, AnEmptyPasswordFileIsRefusedBeforeConnecting) {
    const auto file = write_file("password", "");
    CmdlinkProcess* client =
        start_client("12345", {"--username", "alice", "--password-file", file.string()});
    ASSERT_NE(client, nullptr);
    EXPECT_EQ(client->wait_for_exit(), kExitUsage) << client->describe();
    EXPECT_TRUE(contains(client->stderr_text(), "is empty: put the password on its first line"))
        << client->describe();
    EXPECT_EQ(last_event(*client).value("event", ""), "summary") << client->describe();
}

TEST_F(StudentErrors, VerboseShowsEachMqttPacketWithItsQos) {
    CmdlinkProcess* server = start_server({"--delay", "0.1", "--qos", "1", "--stop-after", "1"});
    ASSERT_NE(server, nullptr);
    CmdlinkProcess* client = run_cmdlink("client", {"client", "--host", "127.0.0.1", "--port",
                                                    port_text(), "--user-id", "12345", "-v"});
    ASSERT_NE(client, nullptr);
    EXPECT_EQ(client->wait_for_exit(), 0) << client->describe();
    const std::string text = client->stderr_text();
    EXPECT_TRUE(contains(text, "sending CONNECT")) << text;
    EXPECT_TRUE(contains(text, "sending SUBSCRIBE")) << text;
    EXPECT_TRUE(contains(text, "sending PUBLISH (d0, q2, r0")) << text;   // the login
    EXPECT_TRUE(contains(text, "received PUBLISH (d0, q1, r0")) << text;  // a command
    EXPECT_TRUE(contains(text, "sending PUBLISH (d0, q1, r0")) << text;   // its reply
    EXPECT_EQ(server->wait_for_exit(), 0) << server->describe();
}

TEST_F(StudentErrors, JsonEndsWithASummaryWhenAFlagValueIsBad) {
    CmdlinkProcess* client = start_client("a/b", {});
    ASSERT_NE(client, nullptr);
    EXPECT_EQ(client->wait_for_exit(), kExitUsage) << client->describe();
    const Json summary = last_event(*client);
    EXPECT_EQ(summary.value("event", ""), "summary") << client->describe();
    EXPECT_EQ(summary.value("outcome", ""), "usage") << summary.dump();
}

TEST_F(StudentErrors, JsonEndsWithASummaryWhenNoConnectionComes) {
    const auto port = closed_port();
    ASSERT_TRUE(port.has_value());
    CmdlinkProcess* client =
        run_cmdlink("client", {"client", "--host", "127.0.0.1", "--port", std::to_string(*port),
                               "--user-id", "12345", "--json", "-q", "--connect-timeout", "0.5"});
    ASSERT_NE(client, nullptr);
    EXPECT_EQ(client->wait_for_exit(), kExitCannotConnect) << client->describe();
    const Json summary = last_event(*client);
    EXPECT_EQ(summary.value("event", ""), "summary") << client->describe();
    EXPECT_EQ(summary.value("outcome", ""), "cannot_connect") << summary.dump();
    EXPECT_TRUE(summary["login_to_session_ms"].is_null()) << summary.dump();
}

TEST_F(StudentErrors, CtrlCLeavesNothingForTheNextRunToIgnore) {
    CmdlinkProcess* server = start_server({"--delay", "3", "--qos", "2", "--stop-after", "2"});
    ASSERT_NE(server, nullptr);
    CmdlinkProcess* first = start_client("12345", {});
    ASSERT_NE(first, nullptr);
    ASSERT_TRUE(wait_until([&] { return !first->events("session").empty() || !first->running(); },
                           kWaitLimit));
    first->send_signal(SIGINT);
    EXPECT_EQ(first->wait_for_exit(), kExitInterrupted) << first->describe();
    // The first session's commands go out now, to nobody; then the next run.
    ASSERT_TRUE(wait_until([&] { return !server->events("command").empty(); }, kWaitLimit))
        << server->describe();
    CmdlinkProcess* second = run_cmdlink(
        "client-again",
        {"client", "--host", "127.0.0.1", "--port", port_text(), "--user-id", "12345", "--json"});
    ASSERT_NE(second, nullptr);
    EXPECT_EQ(second->wait_for_exit(), 0) << second->describe();
    EXPECT_TRUE(second->events("ignored").empty()) << second->describe();
    EXPECT_FALSE(contains(second->stderr_text(), "ignored a message")) << second->describe();
    server->stop();
}

}  // namespace
}  // namespace cmdlink::integration
