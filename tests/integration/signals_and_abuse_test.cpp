// Issue 9, points 6 and 7 on a real Mosquitto: SIGHUP never stops the server (and ends a
// client cleanly), every signal is named in the log; user IDs that cannot work are refused;
// logins that never answer cannot keep a full server from taking a normal client.
#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <string>
#include <thread>
#include <vector>

#include "exchange_checks.hpp"
#include "integration_support.hpp"
#include "ledger/ledger_writer.hpp"
#include "net/mosquitto_library.hpp"
#include "raw_device.hpp"

namespace cmdlink::integration {
namespace {

using namespace std::chrono_literals;

constexpr int kExitUsage = 2;
constexpr int kExitInterrupted = 6;

class SignalsAndAbuse : public BrokerTest {
  protected:
    net::MosquittoLibrary library_;
};

TEST_F(SignalsAndAbuse, SighupIsLoggedAndTheServerAndItsSessionsGoOn) {
    CmdlinkProcess* server = start_server({"--delay", "1"});
    ASSERT_NE(server, nullptr);
    std::vector<CmdlinkProcess*> clients;
    for (int i = 0; i < 3; ++i) {
        clients.push_back(start_client("hup-" + std::to_string(i), {"--idle-timeout", "10"}));
        ASSERT_NE(clients.back(), nullptr);
    }
    // In flight: issued, waiting for their commands.
    ASSERT_TRUE(wait_until([&] { return server->events("session").size() >= 3; }, kWaitLimit))
        << server->describe();
    server->send_signal(SIGHUP);
    ASSERT_TRUE(wait_until([&] { return !server->events("signal").empty(); }, kWaitLimit))
        << server->describe();
    EXPECT_EQ(server->events("signal")[0].value("signal", ""), "SIGHUP");
    for (CmdlinkProcess* client : clients) expect_client_passed(*client);
    EXPECT_TRUE(server->running()) << server->describe();

    server->send_signal(SIGINT);
    EXPECT_EQ(server->wait_for_exit(), 0) << server->describe();
    const auto signals = server->events("signal");
    ASSERT_EQ(signals.size(), 2U) << server->describe();
    EXPECT_EQ(signals[1].value("signal", ""), "SIGINT");
    const auto ended = server->events("session_end");
    ASSERT_EQ(ended.size(), 3U) << server->describe();
    for (const Json& end : ended) EXPECT_EQ(end.value("outcome", ""), "passed") << end.dump();
}

TEST_F(SignalsAndAbuse, SighupEndsAWaitingClientCleanlyAndSaysSo) {
    CmdlinkProcess* client = start_client("hangup", {"--login-timeout", "60"});
    ASSERT_NE(client, nullptr);
    ASSERT_TRUE(wait_until(
        [&] {
            return broker_saw_subscription("cmdlink-hangup", "hangup/UUID") || !client->running();
        },
        kWaitLimit));
    client->send_signal(SIGHUP);
    EXPECT_EQ(client->wait_for_exit(), kExitInterrupted) << client->describe();
    EXPECT_NE(client->stderr_text().find("received SIGHUP"), std::string::npos)
        << client->describe();
}

TEST_F(SignalsAndAbuse, UserIdsThatCannotWorkAreRefusedByTheClientAndTheServer) {
    for (const std::string user_id : {"$SYS", " 12345", "12345 "}) {
        CmdlinkProcess* client = start_client(user_id, {});
        ASSERT_NE(client, nullptr);
        EXPECT_EQ(client->wait_for_exit(), kExitUsage) << client->describe();
    }
    CmdlinkProcess* server = start_server({});
    ASSERT_NE(server, nullptr);
    auto device = RawDevice::connect(port(), "raw-dollar");
    ASSERT_TRUE(device.ok()) << device.error();
    ASSERT_TRUE(device.value()->publish("login", "$SYS", 1).ok());
    ASSERT_TRUE(device.value()->wait_published().ok());
    ASSERT_TRUE(wait_until([&] { return !server->events("login_refused").empty(); }, kWaitLimit))
        << server->describe();
    EXPECT_EQ(server->events("login_refused")[0].value("reason", ""),
              "user ID starts with '$', which MQTT reserves for the broker's own topics ($SYS)");
}

// A full server ends a session that has not answered its commands for 2 s to make room: logins
// that never answer cannot lock a normal client out once they stop.
TEST_F(SignalsAndAbuse, SilentLoginsThatFillTheServerDoNotLockOutANormalClient) {
    CmdlinkProcess* server = start_server({"--delay", "1", "--max-sessions", "5"});
    ASSERT_NE(server, nullptr);
    auto device = RawDevice::connect(port(), "raw-flood");
    ASSERT_TRUE(device.ok()) << device.error();
    for (int i = 0; i < 20; ++i) {
        ASSERT_TRUE(device.value()->publish("login", "silent-" + std::to_string(i), 1).ok());
    }
    ASSERT_TRUE(device.value()->wait_published().ok());
    ASSERT_TRUE(wait_until([&] { return server->events("command").size() >= 5; }, kWaitLimit))
        << server->describe();
    EXPECT_EQ(server->events("session").size(), 5U) << server->describe();
    EXPECT_FALSE(server->events("login_refused").empty()) << server->describe();
    // Past the server's 2 s of patience for a first answer (its clock started before ours).
    std::this_thread::sleep_for(2100ms);
    CmdlinkProcess* client = start_client("normal", {"--idle-timeout", "10"});
    ASSERT_NE(client, nullptr);
    expect_client_passed(*client);
    bool evicted = false;
    for (const Json& end : server->events("session_end")) {
        if (end.value("outcome", "") == "timed_out" &&
            end.value("reason", "").find("to make room") != std::string::npos) {
            evicted = true;
        }
    }
    EXPECT_TRUE(evicted) << server->describe();
}

// A previous run died after recording a low-QoS answer and before recording that, in strict
// mode, it failed the session: the restored session fails, no Well done.
TEST_F(SignalsAndAbuse, StrictModeHoldsForASessionRestoredAfterARestart) {
    const std::string path = (workspace() / "strict.db").string();
    const std::string sid = "5b0e4a5e-1c8f-4b7e-9a51-0d6f2f1b7c11";
    {
        auto writer = ledger::LedgerWriter::open(path);
        ASSERT_TRUE(writer.ok()) << writer.error();
        const ledger::WallMicros at = ledger::wall_micros_now();
        writer.value()->record(ledger::row::SessionIssued{"777", sid, at});
        writer.value()->record(ledger::row::SessionIdSent{sid, at});
        writer.value()->record(ledger::row::CommandSent{sid, "CMD1", 2, 0, at});
        writer.value()->record(ledger::row::CommandSent{sid, "CMD2", 1, 1, at});
        writer.value()->record(ledger::row::ReplyChecked{sid, "CMD1", "Apple", 0,
                                                         core::Verdict::kLowQos, 1000, at + 1000});
        ASSERT_TRUE(writer.value()->close().ok());
    }
    CmdlinkProcess* server = start_server({"--strict", "--ledger", path});
    ASSERT_NE(server, nullptr);
    ASSERT_TRUE(wait_until([&] { return !server->events("session_end").empty(); }, kWaitLimit))
        << server->describe();
    const Json end = server->events("session_end")[0];
    EXPECT_EQ(end.value("outcome", ""), "failed") << end.dump();
    EXPECT_NE(end.value("reason", "").find("strict mode"), std::string::npos) << end.dump();
}

}  // namespace
}  // namespace cmdlink::integration
