// `server --feedback` (PROTOCOL.md, "Extension: the verdict for the student"): the verdict
// on `<user ID>/result`, what `cmdlink client` does with it, and who may read it on a roster
// broker.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "exchange_checks.hpp"
#include "integration_support.hpp"
#include "net/mosquitto_library.hpp"
#include "raw_device.hpp"
#include "roster_fixture.hpp"

namespace cmdlink::integration {
namespace {

constexpr int kExitFailed = 1;

// The verdicts `device` received on `<user_id>/result`, parsed.
std::vector<Json> verdicts(const RawDevice& device, const std::string& user_id) {
    std::vector<Json> found;
    for (const RawMessage& message : device.received()) {
        if (message.topic != user_id + "/result") continue;
        found.push_back(Json::parse(message.payload, nullptr, false));
    }
    return found;
}

bool has_verdict(const RawDevice& device, const std::string& user_id) {
    return !verdicts(device, user_id).empty();
}

// A command table with the course's commands and a wrong word for each.
std::string wrong_table() {
    std::string text;
    for (int i = 1; i <= 9; ++i) text += "CMD" + std::to_string(i) + " Nope\n";
    return text;
}

class Feedback : public BrokerTest {
  protected:
    std::unique_ptr<RawDevice> device(const std::string& client_id) {
        auto connected = RawDevice::connect(port(), client_id);
        if (!connected) {
            ADD_FAILURE() << connected.error();
            return nullptr;
        }
        return std::move(connected.value());
    }

    net::MosquittoLibrary library_;
};

TEST_F(Feedback, AWrongReplyBringsTheStudentAFailedVerdictWithTheReason) {
    CmdlinkProcess* server = start_server({"--feedback", "--delay", "1", "--commands", "1"});
    ASSERT_NE(server, nullptr);
    auto student = device("raw-12345");
    ASSERT_NE(student, nullptr);
    ASSERT_TRUE(student->subscribe("12345/result", 2).ok());
    auto session = student->log_in("12345");
    ASSERT_TRUE(session.ok()) << session.error();
    student->on_message([&](const RawMessage& message) {
        if (message.topic != session.value()) return;
        EXPECT_TRUE(student->publish(session.value() + "/" + message.payload, "Nope", 1).ok());
    });
    ASSERT_TRUE(student->run_until([&] { return has_verdict(*student, "12345"); }, kWaitLimit))
        << server->describe();
    const auto said = verdicts(*student, "12345");
    ASSERT_EQ(said.size(), 1U);
    EXPECT_EQ(said[0].value("session_id", ""), session.value()) << said[0].dump();
    EXPECT_EQ(said[0].value("outcome", ""), "failed") << said[0].dump();
    EXPECT_NE(said[0].value("reason", "").find("wrong reply 'Nope'"), std::string::npos)
        << said[0].dump();
    EXPECT_EQ(said[0].value("commands", -1), 1) << said[0].dump();
    EXPECT_EQ(said[0].value("wrong", -1), 1) << said[0].dump();
    for (const RawMessage& message : student->received()) {
        if (message.topic == "12345/result") {
            EXPECT_EQ(message.qos, 1);
        }
    }
    // The server heard its own verdict through `+/+` and took it for nothing.
    EXPECT_EQ(server->stop(), 0) << server->describe();
    EXPECT_TRUE(server->events("ignored").empty()) << server->describe();
    for (const Json& reply : server->events("reply")) {
        EXPECT_NE(reply.value("command", ""), "result") << reply.dump();
    }
}

TEST_F(Feedback, WithoutTheFlagNothingIsPublishedOnTheResultTopic) {
    CmdlinkProcess* server = start_server({"--delay", "1", "--commands", "1", "--stop-after", "1"});
    ASSERT_NE(server, nullptr);
    auto student = device("raw-12345");
    ASSERT_NE(student, nullptr);
    ASSERT_TRUE(student->subscribe("12345/result", 2).ok());
    auto session = student->log_in("12345");
    ASSERT_TRUE(session.ok()) << session.error();
    ASSERT_TRUE(finish_session(*student, session.value()).ok()) << server->describe();
    ASSERT_EQ(server->wait_for_exit(), 0) << server->describe();
    // Once the server has gone, a verdict would have been delivered before its disconnect.
    EXPECT_TRUE(student->subscribe("12345/UUID", 2).ok());
    EXPECT_FALSE(has_verdict(*student, "12345"));
}

TEST_F(Feedback, TheClientExitsAtOnceWithTheServersReasonOnAWrongReply) {
    CmdlinkProcess* server = start_server({"--feedback", "--delay", "1", "--commands", "2"});
    ASSERT_NE(server, nullptr);
    const auto table = write_file("wrong-words", wrong_table());
    // An idle timeout far beyond the test's wait: only the verdict can end it in time.
    CmdlinkProcess* client =
        start_client("12345", {"--commands", table.string(), "--idle-timeout", "600"});
    ASSERT_NE(client, nullptr);
    EXPECT_EQ(client->wait_for_exit(), kExitFailed) << client->describe();
    const auto verdict_events = client->events("verdict");
    ASSERT_EQ(verdict_events.size(), 1U) << client->describe();
    EXPECT_EQ(verdict_events[0].value("outcome", ""), "failed") << verdict_events[0].dump();
    EXPECT_NE(verdict_events[0].value("reason", "").find("wrong reply 'Nope'"), std::string::npos)
        << verdict_events[0].dump();
    const auto summaries = client->events("summary");
    ASSERT_EQ(summaries.size(), 1U) << client->describe();
    EXPECT_EQ(summaries[0].value("outcome", ""), "failed") << summaries[0].dump();
    EXPECT_NE(client->stderr_text().find("wrong reply 'Nope'"), std::string::npos)
        << client->describe();
    EXPECT_EQ(server->stop(), 0) << server->describe();
}

TEST_F(Feedback, APassingClientStillPassesAndExitsZero) {
    CmdlinkProcess* server = start_server({"--feedback", "--delay", "1", "--stop-after", "1"});
    ASSERT_NE(server, nullptr);
    CmdlinkProcess* client = start_client("12345", {});
    ASSERT_NE(client, nullptr);
    EXPECT_EQ(client->wait_for_exit(), 0) << client->describe();
    EXPECT_EQ(server->wait_for_exit(), 0) << server->describe();
    for (const Json& verdict : client->events("verdict")) {
        EXPECT_EQ(verdict.value("outcome", ""), "passed") << verdict.dump();
    }
}

TEST_F(Feedback, AClientOfTheOriginalDescriptionSeesNoChange) {
    CmdlinkProcess* server =
        start_server({"--feedback", "--delay", "1", "--commands", "2", "--stop-after", "1"});
    ASSERT_NE(server, nullptr);
    auto student = device("raw-12345");
    ASSERT_NE(student, nullptr);
    auto session = student->log_in("12345");
    ASSERT_TRUE(session.ok()) << session.error();
    ASSERT_TRUE(finish_session(*student, session.value()).ok()) << server->describe();
    ASSERT_EQ(server->wait_for_exit(), 0) << server->describe();
    for (const RawMessage& message : student->received()) {
        EXPECT_TRUE(message.topic == "12345/UUID" || message.topic == session.value())
            << message.topic;
    }
}

// On a roster broker (pool mode: static acl_file rules) each student reads their own verdict
// and nobody else's.
class PoolRosterFeedback : public RosterIsolation {};

TEST_F(PoolRosterFeedback, AStudentReadsOnlyTheirOwnVerdict) {
    CmdlinkProcess* server = start_roster_server({"--feedback", "--delay", "1", "--commands", "1"});
    ASSERT_NE(server, nullptr);
    auto alice = connect(kAlice);
    ASSERT_NE(alice, nullptr);
    // An acl_file grants any subscription; mosquitto checks each message against the read
    // rules before it delivers it.
    for (const std::string& filter :
         std::vector<std::string>{kBob.user_id + "/result", "+/result", "#"}) {
        ASSERT_TRUE(alice->subscribe(filter, 1).ok());
    }
    ASSERT_TRUE(alice->subscribe(kAlice.user_id + "/result", 1).ok());
    auto bob = connect(kBob);
    ASSERT_NE(bob, nullptr);
    ASSERT_TRUE(bob->subscribe(kBob.user_id + "/result", 1).ok());
    auto bob_session = bob->log_in(kBob.user_id);
    ASSERT_TRUE(bob_session.ok()) << bob_session.error();
    ASSERT_TRUE(finish_session(*bob, bob_session.value()).ok()) << server->describe();
    ASSERT_TRUE(bob->run_until([&] { return has_verdict(*bob, kBob.user_id); }, kWaitLimit))
        << server->describe();
    EXPECT_EQ(verdicts(*bob, kBob.user_id)[0].value("outcome", ""), "passed");

    // Alice's own session and verdict are a barrier: the broker delivers to her in order, so
    // Bob's verdict, had she been allowed it, would have come first.
    auto alice_session = alice->log_in(kAlice.user_id);
    ASSERT_TRUE(alice_session.ok()) << alice_session.error();
    ASSERT_TRUE(finish_session(*alice, alice_session.value()).ok()) << server->describe();
    ASSERT_TRUE(alice->run_until([&] { return has_verdict(*alice, kAlice.user_id); }, kWaitLimit))
        << server->describe();
    for (const RawMessage& message : alice->received()) {
        EXPECT_NE(message.topic, kBob.user_id + "/result") << message.payload;
        EXPECT_EQ(message.payload.find(bob_session.value()), std::string::npos) << message.topic;
    }
    EXPECT_EQ(server->stop(), 0) << server->describe();
}

// With dynamic security the broker refuses the subscription outright.
class DynsecRosterFeedback : public RosterIsolation {
  protected:
    [[nodiscard]] bool dynamic_security() const override { return true; }
};

TEST_F(DynsecRosterFeedback, AStudentMayNotSubscribeToAnotherStudentsVerdict) {
    CmdlinkProcess* server = start_roster_server({"--feedback", "--delay", kDelay});
    ASSERT_NE(server, nullptr);
    auto alice = connect(kAlice);
    ASSERT_NE(alice, nullptr);
    for (const std::string& filter :
         std::vector<std::string>{kBob.user_id + "/result", "+/result"}) {
        ASSERT_TRUE(alice->subscribe(filter, 1).ok());
        EXPECT_EQ(alice->last_granted_qos(), kRefused) << filter;
    }
    ASSERT_TRUE(alice->subscribe(kAlice.user_id + "/result", 1).ok());
    EXPECT_EQ(alice->last_granted_qos(), 1);
    EXPECT_EQ(server->stop(), 0) << server->describe();
}

TEST_F(DynsecRosterFeedback, AStudentsClientHearsItsVerdict) {
    CmdlinkProcess* server =
        start_roster_server({"--feedback", "--delay", kDelay, "--stop-after", "1"});
    ASSERT_NE(server, nullptr);
    CmdlinkProcess* alice = start_student_client(kAlice);
    ASSERT_NE(alice, nullptr);
    expect_client_passed(*alice);
    ASSERT_EQ(server->wait_for_exit(), 0) << server->describe();
    // The client subscribed to its verdict without a refusal.
    for (const Json& ignored : alice->events("ignored")) {
        EXPECT_EQ(ignored.value("topic", ""), "") << ignored.dump();
    }
}

}  // namespace
}  // namespace cmdlink::integration
