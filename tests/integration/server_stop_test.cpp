// A server stopped from inside one of its own events (--stop-after reached by a reply, a
// timeout or an abandoned session) or by SIGINT with sessions in flight: it exits cleanly,
// every session in its ledger has an outcome, and no session ID goes out after the stop.
#include <gtest/gtest.h>

#include <csignal>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "integration_support.hpp"
#include "ledger/ledger_queries.hpp"
#include "ledger/ledger_schema.hpp"
#include "net/mosquitto_library.hpp"
#include "raw_device.hpp"

namespace cmdlink::integration {
namespace {

class ServerStop : public BrokerTest {
  protected:
    [[nodiscard]] std::string ledger_path() const { return (workspace() / "ledger.db").string(); }

    std::vector<ledger::SessionRecord> ledger_sessions() const {
        auto db = ledger::open_ledger_for_reading(ledger_path());
        if (!db) {
            ADD_FAILURE() << db.error();
            return {};
        }
        auto sessions = ledger::load_sessions(db.value(), {});
        if (!sessions) {
            ADD_FAILURE() << sessions.error();
            return {};
        }
        return std::move(sessions.value());
    }

    // Every session of the ledger has an outcome; the outcomes, counted.
    std::map<std::string, int> outcomes() const {
        std::map<std::string, int> counted;
        for (const ledger::SessionRecord& session : ledger_sessions()) {
            EXPECT_FALSE(session.outcome.empty()) << session.session_id << " has no outcome";
            ++counted[session.outcome];
        }
        return counted;
    }

    // A device that logs in and then says nothing.
    std::unique_ptr<RawDevice> silent_device(const std::string& user_id) {
        auto device = RawDevice::connect(port(), "raw-" + user_id);
        if (!device) {
            ADD_FAILURE() << device.error();
            return nullptr;
        }
        auto assigned = device.value()->log_in(user_id);
        if (!assigned) {
            ADD_FAILURE() << assigned.error();
            return nullptr;
        }
        return std::move(device.value());
    }

    net::MosquittoLibrary library_;
};

TEST_F(ServerStop, StopAfterOneReachedByAReplyEndsCleanly) {
    // A delay long enough for the client to subscribe to its session before the commands.
    CmdlinkProcess* server = start_server({"--delay", "0.3", "--stop-after", "1"});
    ASSERT_NE(server, nullptr);
    CmdlinkProcess* client = start_client("10001", {});
    ASSERT_NE(client, nullptr);
    EXPECT_EQ(client->wait_for_exit(), 0) << client->describe();
    EXPECT_EQ(server->wait_for_exit(), 0) << server->describe();
    EXPECT_EQ(outcomes(), (std::map<std::string, int>{{"passed", 1}}));
}

TEST_F(ServerStop, StopAfterOneReachedByATimeoutEndsCleanly) {
    CmdlinkProcess* server =
        start_server({"--delay", "0", "--stop-after", "1", "--session-timeout", "0.5"});
    ASSERT_NE(server, nullptr);
    auto device = silent_device("quiet");
    ASSERT_NE(device, nullptr);
    EXPECT_EQ(server->wait_for_exit(), 0) << server->describe();
    EXPECT_EQ(outcomes(), (std::map<std::string, int>{{"timed_out", 1}}));
}

TEST_F(ServerStop, StopAfterOneReachedByAnAbandonIssuesNothingAfterTheStop) {
    CmdlinkProcess* server = start_server({"--delay", "0", "--stop-after", "1"});
    ASSERT_NE(server, nullptr);
    auto device = silent_device("twice");
    ASSERT_NE(device, nullptr);
    // Before its first command a second login would only hear the same ID again; after it,
    // the second login abandons the first session and opens a new one.
    ASSERT_TRUE(wait_until([&] { return !server->events("command").empty(); }, kWaitLimit))
        << server->describe();
    ASSERT_TRUE(device->publish("login", "twice", 1).ok());
    ASSERT_TRUE(device->wait_published().ok());
    // Listening until the server is gone: a session ID it sent after the stop would arrive.
    device->run_until([&] { return !server->running(); }, kWaitLimit);
    EXPECT_EQ(server->wait_for_exit(), 0) << server->describe();
    EXPECT_EQ(outcomes(), (std::map<std::string, int>{{"abandoned", 1}, {"interrupted", 1}}));
    // The session that the second login opened was ended by the stop, and its ID never
    // reached the device.
    const auto sessions = ledger_sessions();
    int announced = 0;
    for (const ledger::SessionRecord& session : sessions) {
        if (session.id_sent) ++announced;
    }
    EXPECT_EQ(announced, 1) << server->describe();
    int session_ids_heard = 0;
    for (const RawMessage& message : device->received()) {
        if (message.topic == "twice/UUID") ++session_ids_heard;
    }
    EXPECT_EQ(session_ids_heard, 1);
}

TEST_F(ServerStop, SigintWithSessionsInFlightEndsEachAsInterrupted) {
    CmdlinkProcess* server = start_server({"--delay", "30", "--session-timeout", "60"});
    ASSERT_NE(server, nullptr);
    std::vector<std::unique_ptr<RawDevice>> devices;
    for (int i = 0; i < 5; ++i) {
        devices.push_back(silent_device("held-" + std::to_string(i)));
        ASSERT_NE(devices.back(), nullptr);
    }
    server->send_signal(SIGINT);
    EXPECT_EQ(server->wait_for_exit(), 0) << server->describe();
    EXPECT_EQ(outcomes(), (std::map<std::string, int>{{"interrupted", 5}}));
}

}  // namespace
}  // namespace cmdlink::integration
