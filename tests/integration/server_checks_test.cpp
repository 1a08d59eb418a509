// The server judging devices that break the rules, written by hand with libmosquitto: replies
// below the command's QoS, wrong words, made-up session IDs, garbage payloads.
#include <gtest/gtest.h>

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

class ServerChecks : public BrokerTest {
  protected:
    // Connects a raw device and logs it in; nullptr (and a failure) if that does not work.
    std::unique_ptr<RawDevice> log_in(const std::string& user_id, std::string& session_id) {
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
        session_id = assigned.value();
        return std::move(device.value());
    }

    // One session of a raw device against `server --stop-after 1 <flags...>`: the device
    // answers every command with `word` ("": the table's word) at `qos` (-1: the QoS the
    // command was delivered with) until the server exits. Sets server_, device_, session_id_
    // and session_end_ (the server's one session_end event).
    void run_raw_session(const std::vector<std::string>& flags, const std::string& user_id,
                         const std::string& word, int qos) {
        std::vector<std::string> server_flags = {"--stop-after", "1"};
        server_flags.insert(server_flags.end(), flags.begin(), flags.end());
        server_ = start_server(server_flags);
        ASSERT_NE(server_, nullptr);
        device_ = log_in(user_id, session_id_);
        ASSERT_NE(device_, nullptr);
        device_->on_message([&](const RawMessage& message) {
            if (message.topic != session_id_ || message.payload == kWellDone) return;
            auto published = device_->publish(session_id_ + "/" + message.payload,
                                              word.empty() ? default_reply(message.payload) : word,
                                              qos < 0 ? message.qos : qos);
            EXPECT_TRUE(published.ok()) << published.error();
        });
        EXPECT_TRUE(device_->run_until([&] { return !server_->running(); }, kWaitLimit))
            << "the server did not stop after the session\n"
            << server_->describe();
        device_->on_message(nullptr);

        EXPECT_EQ(server_->wait_for_exit(), 0) << server_->describe();
        const auto ended = server_->events("session_end");
        ASSERT_EQ(ended.size(), 1U) << server_->describe();
        session_end_ = ended[0];
    }

    static std::size_t well_done_count(const RawDevice& device, const std::string& session_id) {
        std::size_t count = 0;
        for (const RawMessage& message : device.received()) {
            if (message.topic == session_id && message.payload == kWellDone) ++count;
        }
        return count;
    }

    // The commands the device got on its session topic, each checked to be delivered at `qos`.
    static std::size_t commands_received(const RawDevice& device, const std::string& session_id,
                                         int qos) {
        std::size_t count = 0;
        for (const RawMessage& message : device.received()) {
            if (message.topic != session_id || message.payload == kWellDone) continue;
            EXPECT_EQ(message.qos, qos) << message.payload;
            ++count;
        }
        return count;
    }

    net::MosquittoLibrary library_;
    CmdlinkProcess* server_ = nullptr;
    std::unique_ptr<RawDevice> device_;
    std::string session_id_;
    Json session_end_;
};

TEST_F(ServerChecks, LowQosRepliesAreRecordedButPassByDefault) {
    ASSERT_NO_FATAL_FAILURE(
        run_raw_session({"--qos", "2", "--commands", "5", "--delay", "0.5"}, "sloppy", "", 0));
    EXPECT_EQ(commands_received(*device_, session_id_, 2), 5U);
    EXPECT_EQ(session_end_.value("outcome", ""), "passed") << session_end_.dump();
    EXPECT_EQ(session_end_.value("low_qos", -1), 5) << session_end_.dump();
    EXPECT_EQ(session_end_.value("correct", -1), 5) << session_end_.dump();
    const auto replies = server_->events("reply");
    EXPECT_EQ(replies.size(), 5U);
    for (const Json& reply : replies) {
        EXPECT_EQ(reply.value("verdict", ""), "low_qos") << reply.dump();
        EXPECT_EQ(reply.value("qos", -1), 0) << reply.dump();
    }
    // Passed: the server published Well done (it may still be on its way to the device).
    device_->run_until([&] { return well_done_count(*device_, session_id_) > 0; }, kWaitLimit);
    EXPECT_EQ(well_done_count(*device_, session_id_), 1U);
}

TEST_F(ServerChecks, LowQosRepliesFailTheSessionInStrictMode) {
    ASSERT_NO_FATAL_FAILURE(run_raw_session(
        {"--qos", "2", "--commands", "5", "--delay", "0.5", "--strict"}, "sloppy", "", 0));
    EXPECT_EQ(session_end_.value("outcome", ""), "failed") << session_end_.dump();
    EXPECT_GE(session_end_.value("low_qos", -1), 1) << session_end_.dump();
    const auto replies = server_->events("reply");
    ASSERT_FALSE(replies.empty());
    EXPECT_EQ(replies[0].value("verdict", ""), "low_qos") << replies[0].dump();
    EXPECT_EQ(well_done_count(*device_, session_id_), 0U);
}

TEST_F(ServerChecks, WrongWordFailsTheSession) {
    ASSERT_NO_FATAL_FAILURE(run_raw_session(
        {"--qos", "1", "--commands", "3", "--delay", "0.5", "--session-timeout", "10"}, "confused",
        "Banana", -1));
    EXPECT_EQ(session_end_.value("outcome", ""), "failed") << session_end_.dump();
    EXPECT_GE(session_end_.value("wrong", -1), 1) << session_end_.dump();
    EXPECT_EQ(session_end_.value("correct", -1), 0) << session_end_.dump();
    const auto replies = server_->events("reply");
    ASSERT_FALSE(replies.empty());
    EXPECT_EQ(replies[0].value("verdict", ""), "wrong") << replies[0].dump();
    EXPECT_EQ(replies[0].value("word", ""), "Banana") << replies[0].dump();
    const auto summaries = server_->events("summary");
    ASSERT_EQ(summaries.size(), 1U);
    EXPECT_EQ(summaries[0].value("failed", -1), 1);
    EXPECT_EQ(well_done_count(*device_, session_id_), 0U);
}

TEST_F(ServerChecks, ReplyToUnknownSessionIsRecorded) {
    CmdlinkProcess* server = start_server({"--delay", "0.1"});
    ASSERT_NE(server, nullptr);
    auto device = RawDevice::connect(port(), "raw-impostor");
    ASSERT_TRUE(device.ok()) << device.error();
    const std::string made_up = "0badcafe-0000-4000-8000-000000000000";
    ASSERT_TRUE(device.value()->publish(made_up + "/CMD1", "Apple", 1).ok());
    ASSERT_TRUE(device.value()->wait_published().ok());

    Json recorded;
    const bool seen = wait_until(
        [&] {
            for (const Json& reply : server->events("reply")) {
                if (reply.value("session_id", "") == made_up) recorded = reply;
            }
            return !recorded.is_null() || !server->running();
        },
        kWaitLimit);
    ASSERT_TRUE(seen && !recorded.is_null()) << server->describe();
    EXPECT_EQ(recorded.value("verdict", ""), "unknown_session") << recorded.dump();
    EXPECT_EQ(recorded.value("command", ""), "CMD1") << recorded.dump();
    EXPECT_TRUE(server->events("session").empty());
    EXPECT_TRUE(server->running()) << server->describe();
    EXPECT_EQ(server->stop(), 0) << server->describe();
}

TEST_F(ServerChecks, GarbagePayloadsAreIgnoredAndTheServerCarriesOn) {
    CmdlinkProcess* server = start_server({"--delay", "0.2", "--commands", "3-11"});
    ASSERT_NE(server, nullptr);
    std::string session_id;
    auto device = log_in("vandal", session_id);
    ASSERT_NE(device, nullptr);

    const std::vector<std::string> garbage = {std::string(16, '\xff'), std::string(),
                                              std::string(300, 'x')};
    const std::string reply_topic = session_id + "/CMD1";
    for (const std::string& payload : garbage) {
        ASSERT_TRUE(device->publish("login", payload, 1).ok());
        ASSERT_TRUE(device->publish(reply_topic, payload, 1).ok());
    }
    ASSERT_TRUE(device->wait_published().ok());

    // Each of the six is recorded as refused or ignored, and none is judged as a reply.
    const auto rejected = [&] {
        std::size_t count = server->events("login_refused").size();
        for (const Json& ignored : server->events("ignored")) {
            const std::string topic = ignored.value("topic", "");
            if (topic == "login" || topic == reply_topic) ++count;
        }
        return count;
    };
    EXPECT_TRUE(wait_until([&] { return rejected() >= 6 || !server->running(); }, kWaitLimit))
        << server->describe();
    EXPECT_EQ(rejected(), 6U) << server->describe();
    EXPECT_TRUE(server->events("reply").empty()) << server->describe();
    ASSERT_TRUE(server->running()) << server->describe();

    // A well-behaved client still gets through afterwards.
    CmdlinkProcess* client = start_client("decent", {});
    ASSERT_NE(client, nullptr);
    const std::string client_session = expect_client_passed(*client);
    bool passed = false;
    for (const Json& end : server->events("session_end")) {
        if (end.value("session_id", "") == client_session) {
            passed = end.value("outcome", "") == "passed";
        }
    }
    EXPECT_TRUE(passed) << server->describe();
    EXPECT_TRUE(server->running()) << server->describe();
    EXPECT_EQ(server->stop(), 0) << server->describe();
}

}  // namespace
}  // namespace cmdlink::integration
