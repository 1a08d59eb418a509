// SIGTERM drains the server: no new sessions, those in flight run to their end, exit 0.
#include <gtest/gtest.h>

#include <csignal>
#include <memory>
#include <string>
#include <vector>

#include "exchange_checks.hpp"
#include "integration_support.hpp"
#include "net/mosquitto_library.hpp"
#include "raw_device.hpp"

namespace cmdlink::integration {
namespace {

constexpr std::string_view kWellDone = "Well done my IoT!";

class ServerDrain : public BrokerTest {
  protected:
    net::MosquittoLibrary library_;
};

TEST_F(ServerDrain, SigtermLetsTheSessionsInFlightPassAndExitsZero) {
    CmdlinkProcess* server = start_server({"--delay", "1", "--commands", "3-11"});
    ASSERT_NE(server, nullptr);
    // A hand-written device holds its session open until the test lets it answer.
    auto device = RawDevice::connect(port(), "raw-holder");
    ASSERT_TRUE(device.ok()) << device.error();
    RawDevice& holder = *device.value();
    auto assigned = holder.log_in("holder");
    ASSERT_TRUE(assigned.ok()) << assigned.error();
    const std::string session_id = assigned.value();
    std::vector<CmdlinkProcess*> clients;
    for (int i = 0; i < 2; ++i) {
        clients.push_back(start_client("fleet-" + std::to_string(i), {"--idle-timeout", "10"}));
        ASSERT_NE(clients.back(), nullptr);
    }
    ASSERT_TRUE(wait_until([&] { return server->events("session").size() >= 3; }, kWaitLimit))
        << server->describe();

    server->send_signal(SIGTERM);
    ASSERT_TRUE(wait_until([&] { return !server->events("draining").empty(); }, kWaitLimit))
        << server->describe();
    // A login now is refused, with its reason recorded.
    ASSERT_TRUE(holder.publish("login", "latecomer", 1).ok());
    ASSERT_TRUE(holder.wait_published().ok());
    const auto refused = [&] {
        for (const Json& event : server->events("login_refused")) {
            if (event.value("user_id", "") == "latecomer") return true;
        }
        return false;
    };
    ASSERT_TRUE(holder.run_until([&] { return refused() || !server->running(); }, kWaitLimit));
    ASSERT_TRUE(refused()) << server->describe();
    EXPECT_TRUE(server->running()) << "the server left before its sessions ended";

    // Now the held session answers every command, and the server finishes it.
    const auto answer = [&](const RawMessage& message) {
        if (message.topic != session_id || message.payload == kWellDone) return;
        auto published =
            holder.publish(session_id + "/" + message.payload, default_reply(message.payload), 1);
        EXPECT_TRUE(published.ok()) << published.error();
    };
    for (const RawMessage& message : std::vector<RawMessage>(holder.received())) answer(message);
    holder.on_message(answer);
    EXPECT_TRUE(holder.run_until([&] { return !server->running(); }, kWaitLimit))
        << server->describe();
    holder.on_message(nullptr);
    for (CmdlinkProcess* client : clients) expect_client_passed(*client);

    EXPECT_EQ(server->wait_for_exit(), 0) << server->describe();
    const auto ended = server->events("session_end");
    EXPECT_EQ(ended.size(), 3U) << server->describe();
    for (const Json& end : ended) EXPECT_EQ(end.value("outcome", ""), "passed") << end.dump();
    const auto summaries = server->events("summary");
    ASSERT_EQ(summaries.size(), 1U) << server->describe();
    EXPECT_EQ(summaries[0].value("reason", ""), "drained");
    EXPECT_EQ(summaries[0].value("passed", -1), 3);
}

TEST_F(ServerDrain, SecondSigtermInterruptsTheSessionsInFlight) {
    CmdlinkProcess* server = start_server({"--delay", "1"});
    ASSERT_NE(server, nullptr);
    auto device = RawDevice::connect(port(), "raw-silent");
    ASSERT_TRUE(device.ok()) << device.error();
    ASSERT_TRUE(device.value()->log_in("silent").ok());
    server->send_signal(SIGTERM);
    ASSERT_TRUE(wait_until([&] { return !server->events("draining").empty(); }, kWaitLimit))
        << server->describe();
    EXPECT_TRUE(server->running()) << server->describe();
    server->send_signal(SIGTERM);
    EXPECT_EQ(server->wait_for_exit(), 0) << server->describe();
    const auto ended = server->events("session_end");
    ASSERT_EQ(ended.size(), 1U) << server->describe();
    EXPECT_EQ(ended[0].value("outcome", ""), "interrupted") << ended[0].dump();
}

TEST_F(ServerDrain, SigtermWithoutSessionsExitsAtOnce) {
    CmdlinkProcess* server = start_server({});
    ASSERT_NE(server, nullptr);
    server->send_signal(SIGTERM);
    EXPECT_EQ(server->wait_for_exit(), 0) << server->describe();
    const auto summaries = server->events("summary");
    ASSERT_EQ(summaries.size(), 1U) << server->describe();
    EXPECT_EQ(summaries[0].value("reason", ""), "drained");
}

}  // namespace
}  // namespace cmdlink::integration
