// Bad input never crashes the server nor spoils its other sessions: invalid user IDs, binary
// and huge payloads, floods of logins from one ID, replies for sessions that do not exist.
// Each test ends with a well-behaved client passing against the same server.
#include <gtest/gtest.h>

#include <cstddef>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "exchange_checks.hpp"
#include "integration_support.hpp"
#include "net/mosquitto_library.hpp"
#include "raw_device.hpp"

namespace cmdlink::integration {
namespace {

using namespace std::string_literals;

constexpr std::string_view kWellDone = "Well done my IoT!";

class BadInput : public BrokerTest {
  protected:
    void SetUp() override {
        BrokerTest::SetUp();
        if (HasFatalFailure()) return;
        server_ = start_server({"--delay", "0.3", "--session-timeout", "10"});
        ASSERT_NE(server_, nullptr);
        auto device = RawDevice::connect(port(), "raw-vandal");
        ASSERT_TRUE(device.ok()) << device.error();
        vandal_ = std::move(device.value());
    }

    // Publishes each payload to `topic` at QoS 1 and waits for the broker's acknowledgements.
    void publish_all(const std::string& topic, const std::vector<std::string>& payloads) {
        for (const std::string& payload : payloads) {
            auto published = vandal_->publish(topic, payload, 1);
            ASSERT_TRUE(published.ok()) << published.error();
        }
        auto acknowledged = vandal_->wait_published();
        ASSERT_TRUE(acknowledged.ok()) << acknowledged.error();
    }

    // Our client passes against the same server, which is still running afterwards.
    void expect_normal_client_passes(const std::string& user_id) {
        ASSERT_TRUE(server_->running()) << server_->describe();
        CmdlinkProcess* client = start_client(user_id, {"--idle-timeout", "10"});
        ASSERT_NE(client, nullptr);
        const std::string session_id = expect_client_passed(*client);
        const auto passed = [&] {
            for (const Json& end : server_->events("session_end")) {
                if (end.value("session_id", "") == session_id) {
                    return end.value("outcome", "") == "passed";
                }
            }
            return false;
        };
        EXPECT_TRUE(wait_until(passed, kWaitLimit)) << server_->describe();
        EXPECT_TRUE(server_->running()) << server_->describe();
    }

    // The device answers every command of `session_id` it got so far and gets from now on.
    void answer_commands(const std::string& session_id) {
        const auto answer = [this, session_id](const RawMessage& message) {
            if (message.topic != session_id || message.payload == kWellDone) return;
            auto published = vandal_->publish(session_id + "/" + message.payload,
                                              default_reply(message.payload), message.qos);
            EXPECT_TRUE(published.ok()) << published.error();
        };
        for (const RawMessage& message : std::vector<RawMessage>(vandal_->received())) {
            answer(message);
        }
        vandal_->on_message(answer);
    }

    [[nodiscard]] std::size_t events_with(std::string_view name, std::string_view field,
                                          std::string_view value) const {
        std::size_t count = 0;
        for (const Json& event : server_->events(name)) {
            if (event.value(std::string(field), "") == value) ++count;
        }
        return count;
    }

    net::MosquittoLibrary library_;
    CmdlinkProcess* server_ = nullptr;
    std::unique_ptr<RawDevice> vandal_;
};

TEST_F(BadInput, InvalidUserIdsAreRefusedWithTheirReason) {
    const std::vector<std::string> invalid = {"",
                                              std::string(65, '7'),
                                              "12/45",
                                              "12+45",
                                              "12#45",
                                              "12\x01"
                                              "45",
                                              "12\x00"
                                              "45"s,
                                              "\xc3\x28",
                                              "12\x7f"
                                              "45",
                                              "\xc2\x85"
                                              "12345"};
    ASSERT_NO_FATAL_FAILURE(publish_all("login", invalid));
    EXPECT_TRUE(wait_until(
        [&] { return server_->events("login_refused").size() >= invalid.size(); }, kWaitLimit))
        << server_->describe();
    const auto refused = server_->events("login_refused");
    EXPECT_EQ(refused.size(), invalid.size()) << server_->describe();
    for (const Json& event : refused) EXPECT_FALSE(event.value("reason", "").empty());
    EXPECT_TRUE(server_->events("session").empty()) << server_->describe();
    // 64 bytes is still a valid user ID; 65 is not.
    const std::string longest(64, '7');
    auto session = vandal_->log_in(longest);
    EXPECT_TRUE(session.ok()) << session.error();
    ASSERT_NO_FATAL_FAILURE(expect_normal_client_passes("after-invalid-ids"));
}

TEST_F(BadInput, BinaryAndHugePayloadsAreIgnoredAndTheSessionStillPasses) {
    auto session = vandal_->log_in("vandal");
    ASSERT_TRUE(session.ok()) << session.error();
    const std::string session_id = session.value();
    std::string binary(512, '\0');
    for (std::size_t i = 0; i < binary.size(); ++i) binary[i] = static_cast<char>(i * 7);
    const std::string huge(1 << 20, 'A');
    std::string huge_binary = huge;
    huge_binary[100] = '\xff';
    // Not valid UTF-8 or over 256 bytes. (A short payload of valid UTF-8, even "\0", is a
    // reply word for PROTOCOL.md: it would be judged, and fail the session as a wrong word.)
    const std::vector<std::string> garbage = {binary, huge, huge_binary, "\xff"};
    ASSERT_NO_FATAL_FAILURE(publish_all("login", garbage));
    ASSERT_NO_FATAL_FAILURE(publish_all("login", {"\x00"s}));
    ASSERT_NO_FATAL_FAILURE(publish_all(session_id + "/CMD1", garbage));
    const auto rejected = [&] {
        return server_->events("login_refused").size() +
               events_with("ignored", "topic", session_id + "/CMD1");
    };
    const std::size_t expected = 2 * garbage.size() + 1;
    EXPECT_TRUE(wait_until([&] { return rejected() >= expected; }, kWaitLimit))
        << server_->describe();
    EXPECT_EQ(rejected(), expected) << server_->describe();
    EXPECT_TRUE(server_->events("reply").empty()) << server_->describe();

    // The garbage changed nothing in the session: the right answers still pass it.
    answer_commands(session_id);
    EXPECT_TRUE(vandal_->run_until(
        [&] { return events_with("session_end", "session_id", session_id) > 0; }, kWaitLimit))
        << server_->describe();
    vandal_->on_message(nullptr);
    for (const Json& end : server_->events("session_end")) {
        EXPECT_EQ(end.value("outcome", ""), "passed") << end.dump();
    }
    ASSERT_NO_FATAL_FAILURE(expect_normal_client_passes("after-garbage"));
}

TEST_F(BadInput, LoginFloodFromOneIdNeverHoldsTwoSessions) {
    constexpr std::size_t kLogins = 1000;
    ASSERT_NO_FATAL_FAILURE(publish_all("login", std::vector<std::string>(kLogins, "flooder")));
    const auto answered = [&] {
        return events_with("session", "user_id", "flooder") +
               events_with("login_refused", "user_id", "flooder");
    };
    EXPECT_TRUE(
        wait_until([&] { return answered() >= kLogins || !server_->running(); }, kWaitLimit * 2))
        << server_->describe();
    EXPECT_EQ(answered(), kLogins) << server_->describe();

    // In the order the server recorded them: a new session for the flooder only once the
    // previous one has ended (abandoned by the newer login, or over by itself).
    std::set<std::string> live;
    std::size_t fresh = 0;
    for (const Json& event : server_->events()) {
        if (event.value("user_id", "") != "flooder") continue;
        const std::string kind = event.value("event", "");
        const std::string session_id = event.value("session_id", "");
        if (kind == "session" && !event.value("repeated", false)) {
            EXPECT_TRUE(live.empty()) << "a second session while " << *live.begin() << " lives";
            live.insert(session_id);
            ++fresh;
        } else if (kind == "session") {
            EXPECT_EQ(live.count(session_id), 1U) << "repeated an ID that is not live";
        } else if (kind == "session_end") {
            live.erase(session_id);
        }
    }
    EXPECT_GE(fresh, 1U);
    ASSERT_NO_FATAL_FAILURE(expect_normal_client_passes("after-flood"));
}

TEST_F(BadInput, RepliesForUnknownSessionsAreRecordedAndChangeNothing) {
    std::vector<std::string> topics;
    // 98 + 2: all within the 100 stray replies a second that are recorded one by one (beyond
    // them, they are tallied: IssuerTest covers that).
    for (int i = 0; i < 98; ++i) topics.push_back("no-such-session-" + std::to_string(i) + "/CMD1");
    // Two levels, as `+/+` needs (`a/b/c` never reaches the server), one of them empty.
    topics.emplace_back("x/");
    topics.emplace_back("/CMD1");
    for (const std::string& topic : topics) ASSERT_NO_FATAL_FAILURE(publish_all(topic, {"Apple"}));
    const auto unknown = [&] { return events_with("reply", "verdict", "unknown_session"); };
    EXPECT_TRUE(wait_until([&] { return unknown() >= topics.size(); }, kWaitLimit))
        << server_->describe();
    EXPECT_EQ(unknown(), topics.size()) << server_->describe();
    EXPECT_TRUE(server_->events("session").empty());
    ASSERT_NO_FATAL_FAILURE(expect_normal_client_passes("after-unknown-replies"));
    // The unknown replies were not counted against the client's session.
    const auto ended = server_->events("session_end");
    ASSERT_EQ(ended.size(), 1U);
    EXPECT_EQ(ended[0].value("wrong", -1), 0);
    EXPECT_EQ(ended[0].value("surplus", -1), 0);
}

}  // namespace
}  // namespace cmdlink::integration
