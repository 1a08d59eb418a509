#include "core/server_session.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <string>
#include <variant>
#include <vector>

#include "core/protocol.hpp"
#include "recording_output.hpp"

namespace cmdlink::core {
namespace {

using namespace std::chrono_literals;
using test_support::Action;
using test_support::publish_action;
using test_support::RecordingServerOutput;
using test_support::ScriptedRandom;
using Actions = std::vector<Action>;
using Verdicts = std::vector<Verdict>;
using Names = std::vector<std::string>;

constexpr std::string_view kSid = "1b4e28ba-2fa1-41d2-883f-0016d3cca427";

class ServerSessionTest : public ::testing::Test {
  protected:
    // A session whose plan is the given table indices (0 is CMD1), in that order.
    ServerSession make(std::initializer_list<std::uint64_t> indices) {
        policy.min_commands = policy.max_commands = static_cast<std::uint32_t>(indices.size());
        ScriptedRandom random(indices);
        ServerSession session("12345", std::string(kSid), login_at, policy, random);
        EXPECT_EQ(random.scripted_left(), 0U);
        // As the Issuer does once the session may go out; the ID's publication is not what
        // these tests are about.
        session.announce(login_at, policy, box);
        box.clear();
        return session;
    }

    // Publishes the session's ID, as the Issuer does once it may go out, and forgets that.
    void announced(ServerSession& session) {
        session.announce(login_at, policy, box);
        box.clear();
    }

    // Makes the session send its commands, then forgets what that produced.
    void start(ServerSession& session) {
        now = login_at + policy.delay;
        session.on_timer(now, policy, box);
        replay(box, out);
        ASSERT_EQ(session.state(), ServerSession::State::kRunning);
        out.clear();
    }

    void reply(ServerSession& session, std::string_view command, std::string_view word,
               int qos = 1) {
        session.on_reply(command, word, qos, now, policy, box);
        replay(box, out);
    }

    Action well_done() const {
        return publish_action(std::string(kSid), std::string(kWellDone), 2);
    }

    ServerPolicy policy;
    ServerOutbox box;
    RecordingServerOutput out;
    TimePoint login_at = TimePoint{} + 1h;
    TimePoint now = login_at;
};

// ---- sending ----

TEST_F(ServerSessionTest, NothingIsSentBeforeTheDelay) {
    ServerSession session = make({0, 1, 2});
    EXPECT_EQ(session.state(), ServerSession::State::kIssued);
    EXPECT_EQ(session.deadline(), login_at + 3s);
    session.on_timer(login_at + 3s - 1ns, policy, box);
    replay(box, out);
    EXPECT_EQ(out.actions, Actions{});
    EXPECT_FALSE(session.has_sent_commands());
    EXPECT_EQ(session.state(), ServerSession::State::kIssued);
}

TEST_F(ServerSessionTest, BurstSendsEveryPlannedCommandAtTheDelay) {
    ServerSession session = make({1, 4, 0});
    session.on_timer(login_at + 3s, policy, box);
    replay(box, out);
    const std::string sid(kSid);
    EXPECT_EQ(out.actions, (Actions{publish_action(sid, "CMD2", 1), publish_action(sid, "CMD5", 1),
                                    publish_action(sid, "CMD1", 1)}));
    ASSERT_EQ(out.commands.size(), 3U);
    EXPECT_EQ(out.commands[2].session_id, kSid);
    EXPECT_EQ(out.commands[2].command, "CMD1");
    EXPECT_EQ(out.commands[2].qos, 1);
    EXPECT_EQ(out.commands[2].index, 2U);
    EXPECT_TRUE(session.has_sent_commands());
    EXPECT_EQ(session.state(), ServerSession::State::kRunning);
    EXPECT_EQ(session.deadline(), login_at + 30s);
    EXPECT_EQ(session.summary().first_command_at, login_at + 3s);
    EXPECT_EQ(session.summary().commands, 3U);
}

TEST_F(ServerSessionTest, CommandsUseThePolicysQos) {
    policy.qos = 2;
    ServerSession session = make({6});
    session.on_timer(login_at + 3s, policy, box);
    replay(box, out);
    EXPECT_EQ(out.actions, (Actions{publish_action(std::string(kSid), "CMD7", 2)}));
}

TEST_F(ServerSessionTest, RandomQosIsDrawnForEachCommand) {
    policy.qos = std::nullopt;
    policy.min_commands = policy.max_commands = 3;
    ScriptedRandom random({0, 2, 1, 0, 2, 1});  // (index, QoS) per command
    ServerSession session("12345", std::string(kSid), login_at, policy, random);
    announced(session);
    session.on_timer(login_at + 3s, policy, box);
    replay(box, out);
    const std::string sid(kSid);
    EXPECT_EQ(out.actions, (Actions{publish_action(sid, "CMD1", 2), publish_action(sid, "CMD2", 0),
                                    publish_action(sid, "CMD3", 1)}));
}

TEST_F(ServerSessionTest, CommandCountIsDrawnFromThePolicysRange) {
    ScriptedRandom random({5});  // 3 + 5 % 9
    ServerSession session("12345", std::string(kSid), login_at, policy, random);
    announced(session);
    EXPECT_EQ(session.summary().commands, 8U);
    session.on_timer(login_at + 3s, policy, box);
    replay(box, out);
    EXPECT_EQ(out.commands.size(), 8U);
}

TEST_F(ServerSessionTest, EmptyPlanPassesAtTheDelay) {
    ServerSession session = make({});
    session.on_timer(login_at + 3s, policy, box);
    replay(box, out);
    EXPECT_EQ(out.actions, Actions{well_done()});
    ASSERT_EQ(out.ended.size(), 1U);
    EXPECT_EQ(out.ended[0].outcome, SessionOutcome::kPassed);
}

// ---- checking replies ----

TEST_F(ServerSessionTest, CorrectRepliesEndWithWellDoneAndPassed) {
    ServerSession session = make({1, 4, 0});
    start(session);
    reply(session, "CMD2", "Cat");
    reply(session, "CMD5", "Boy");
    EXPECT_EQ(out.actions, Actions{});
    EXPECT_EQ(session.state(), ServerSession::State::kRunning);
    now += 1s;
    reply(session, "CMD1", "Apple");
    EXPECT_EQ(out.actions, Actions{well_done()});
    EXPECT_EQ(out.verdicts(), (Verdicts{Verdict::kCorrect, Verdict::kCorrect, Verdict::kCorrect}));
    EXPECT_EQ(out.log, (Names{"reply", "reply", "reply", "ended"}));
    ASSERT_EQ(out.ended.size(), 1U);
    const auto& end = out.ended[0];
    EXPECT_EQ(end.user_id, "12345");
    EXPECT_EQ(end.session_id, kSid);
    EXPECT_EQ(end.outcome, SessionOutcome::kPassed);
    EXPECT_EQ(end.reason, "");
    EXPECT_EQ(end.commands, 3U);
    EXPECT_EQ(end.correct, 3U);
    EXPECT_EQ(end.low_qos + end.wrong + end.surplus, 0U);
    EXPECT_EQ(end.login_at, login_at);
    EXPECT_EQ(end.first_command_at, login_at + 3s);
    EXPECT_EQ(end.ended_at, login_at + 4s);
    EXPECT_EQ(session.state(), ServerSession::State::kEnded);
    EXPECT_EQ(session.deadline(), kNever);
}

TEST_F(ServerSessionTest, ReplyRecordCarriesTheWordQosAndLatency) {
    ServerSession session = make({2, 3});
    start(session);
    now += 250ms;
    reply(session, "CMD3", "Dog", 2);
    ASSERT_EQ(out.replies.size(), 1U);
    EXPECT_EQ(out.replies[0].session_id, kSid);
    EXPECT_EQ(out.replies[0].command, "CMD3");
    EXPECT_EQ(out.replies[0].word, "Dog");
    EXPECT_EQ(out.replies[0].qos, 2);
    EXPECT_EQ(out.replies[0].verdict, Verdict::kCorrect);
    EXPECT_EQ(out.replies[0].latency, 250ms);
}

TEST_F(ServerSessionTest, RepliesMayArriveInAnyOrder) {
    ServerSession session = make({0, 1, 2});
    start(session);
    reply(session, "CMD3", "Dog");
    reply(session, "CMD1", "Apple");
    reply(session, "CMD2", "Cat");
    ASSERT_EQ(out.ended.size(), 1U);
    EXPECT_EQ(out.ended[0].outcome, SessionOutcome::kPassed);
}

TEST_F(ServerSessionTest, RepeatedCommandNeedsOneReplyPerInstance) {
    ServerSession session = make({0, 0, 1, 0});
    start(session);
    reply(session, "CMD1", "Apple");
    reply(session, "CMD2", "Cat");
    reply(session, "CMD1", "Apple");
    EXPECT_EQ(out.ended.size(), 0U);
    reply(session, "CMD1", "Apple");
    EXPECT_EQ(out.verdicts(), Verdicts(4, Verdict::kCorrect));
    ASSERT_EQ(out.ended.size(), 1U);
    EXPECT_EQ(out.ended[0].outcome, SessionOutcome::kPassed);
    EXPECT_EQ(out.ended[0].correct, 4U);
    EXPECT_EQ(out.ended[0].surplus, 0U);
}

TEST_F(ServerSessionTest, ReplyAboveTheCommandsQosIsCorrect) {
    policy.qos = 0;
    ServerSession session = make({0});
    start(session);
    reply(session, "CMD1", "Apple", 2);
    EXPECT_EQ(out.verdicts(), Verdicts{Verdict::kCorrect});
    EXPECT_EQ(out.actions, Actions{well_done()});
}

TEST_F(ServerSessionTest, LowQosReplyIsRecordedButCountedByDefault) {
    policy.qos = 2;
    ServerSession session = make({0, 1});
    start(session);
    reply(session, "CMD1", "Apple", 2);
    reply(session, "CMD2", "Cat", 1);
    EXPECT_EQ(out.verdicts(), (Verdicts{Verdict::kCorrect, Verdict::kLowQos}));
    EXPECT_EQ(out.actions, Actions{well_done()});
    ASSERT_EQ(out.ended.size(), 1U);
    EXPECT_EQ(out.ended[0].outcome, SessionOutcome::kPassed);
    EXPECT_EQ(out.ended[0].correct, 2U);
    EXPECT_EQ(out.ended[0].low_qos, 1U);
}

TEST_F(ServerSessionTest, LowQosReplyFailsTheSessionInStrictMode) {
    policy.qos = 2;
    policy.strict = true;
    ServerSession session = make({0, 1});
    start(session);
    reply(session, "CMD2", "Cat", 0);
    EXPECT_EQ(out.verdicts(), Verdicts{Verdict::kLowQos});
    EXPECT_EQ(out.actions, Actions{});
    ASSERT_EQ(out.ended.size(), 1U);
    EXPECT_EQ(out.ended[0].outcome, SessionOutcome::kFailed);
    EXPECT_EQ(out.ended[0].reason,
              "reply to CMD2 at QoS 0, below the command's QoS 2 (strict mode)");
    EXPECT_EQ(out.ended[0].correct, 0U);
    EXPECT_EQ(out.ended[0].low_qos, 1U);
}

TEST_F(ServerSessionTest, WrongWordFailsTheSessionWithoutWellDone) {
    ServerSession session = make({0, 1});
    start(session);
    reply(session, "CMD1", "Apple");
    reply(session, "CMD2", "Dog");
    EXPECT_EQ(out.verdicts(), (Verdicts{Verdict::kCorrect, Verdict::kWrong}));
    EXPECT_EQ(out.actions, Actions{});
    ASSERT_EQ(out.ended.size(), 1U);
    EXPECT_EQ(out.ended[0].outcome, SessionOutcome::kFailed);
    EXPECT_EQ(out.ended[0].reason, "wrong reply 'Dog' to CMD2 (expected 'Cat')");
    EXPECT_EQ(out.ended[0].wrong, 1U);
    reply(session, "CMD2", "Cat");
    EXPECT_EQ(out.verdicts().back(), Verdict::kAfterEnd);
    EXPECT_EQ(out.actions, Actions{});
}

TEST_F(ServerSessionTest, WrongWordIsQuotedPrintably) {
    ServerSession session = make({0});
    start(session);
    reply(session, "CMD1", "Ap\nple");
    ASSERT_EQ(out.ended.size(), 1U);
    EXPECT_EQ(out.ended[0].reason, "wrong reply 'Ap\\x0aple' to CMD1 (expected 'Apple')");
}

TEST_F(ServerSessionTest, SurplusReplyIsRecordedButToleratedByDefault) {
    ServerSession session = make({0, 1});
    start(session);
    reply(session, "CMD1", "Apple");
    reply(session, "CMD1", "Apple");
    reply(session, "CMD2", "Cat");
    EXPECT_EQ(out.verdicts(), (Verdicts{Verdict::kCorrect, Verdict::kSurplus, Verdict::kCorrect}));
    EXPECT_EQ(out.actions, Actions{well_done()});
    ASSERT_EQ(out.ended.size(), 1U);
    EXPECT_EQ(out.ended[0].outcome, SessionOutcome::kPassed);
    EXPECT_EQ(out.ended[0].surplus, 1U);
    EXPECT_EQ(out.ended[0].correct, 2U);
}

TEST_F(ServerSessionTest, SurplusReplyFailsTheSessionInStrictMode) {
    policy.strict = true;
    ServerSession session = make({0, 1});
    start(session);
    reply(session, "CMD1", "Apple");
    reply(session, "CMD1", "Apple");
    EXPECT_EQ(out.verdicts(), (Verdicts{Verdict::kCorrect, Verdict::kSurplus}));
    ASSERT_EQ(out.ended.size(), 1U);
    EXPECT_EQ(out.ended[0].outcome, SessionOutcome::kFailed);
    EXPECT_EQ(out.ended[0].reason, "surplus reply to CMD1 (strict mode)");
    EXPECT_EQ(out.actions, Actions{});
}

TEST_F(ServerSessionTest, ReplyToACommandNeverSentIsUnexpected) {
    ServerSession session = make({0});
    start(session);
    reply(session, "CMD3", "Dog");
    reply(session, "CMD9", "Pear");
    EXPECT_EQ(out.verdicts(), (Verdicts{Verdict::kUnexpected, Verdict::kUnexpected}));
    EXPECT_EQ(out.ended.size(), 0U);
    reply(session, "CMD1", "Apple");
    ASSERT_EQ(out.ended.size(), 1U);
    EXPECT_EQ(out.ended[0].outcome, SessionOutcome::kPassed);
    EXPECT_EQ(out.ended[0].surplus, 2U);
}

TEST_F(ServerSessionTest, UnexpectedReplyFailsTheSessionInStrictMode) {
    policy.strict = true;
    ServerSession session = make({0});
    start(session);
    reply(session, "CMD9", "Pear");
    ASSERT_EQ(out.ended.size(), 1U);
    EXPECT_EQ(out.ended[0].reason, "unexpected reply to CMD9 (strict mode)");
}

TEST_F(ServerSessionTest, ReplyBeforeTheCommandsAreSentIsUnexpected) {
    ServerSession session = make({0});
    reply(session, "CMD1", "Apple");
    ASSERT_EQ(out.replies.size(), 1U);
    EXPECT_EQ(out.replies[0].verdict, Verdict::kUnexpected);
    EXPECT_EQ(out.replies[0].latency, Duration::zero());
    EXPECT_EQ(session.state(), ServerSession::State::kIssued);
}

// ---- time ----

TEST_F(ServerSessionTest, UnansweredCommandsTimeOutCountedFromTheLogin) {
    ServerSession session = make({0, 1, 2});
    start(session);
    reply(session, "CMD2", "Cat");
    EXPECT_EQ(session.deadline(), login_at + 30s);
    session.on_timer(login_at + 30s - 1ns, policy, box);
    replay(box, out);
    EXPECT_EQ(out.ended.size(), 0U);
    session.on_timer(login_at + 30s, policy, box);
    replay(box, out);
    ASSERT_EQ(out.ended.size(), 1U);
    EXPECT_EQ(out.ended[0].outcome, SessionOutcome::kTimedOut);
    EXPECT_EQ(out.ended[0].reason, "2 of 3 commands unanswered after the session timeout");
    EXPECT_EQ(out.ended[0].ended_at, login_at + 30s);
    EXPECT_EQ(out.actions, Actions{});
}

TEST_F(ServerSessionTest, LateTimerStillSendsTheCommandsFirst) {
    ServerSession session = make({0});
    session.on_timer(login_at + 1h, policy, box);
    replay(box, out);
    EXPECT_EQ(out.commands.size(), 1U);
    EXPECT_EQ(session.state(), ServerSession::State::kRunning);
}

TEST_F(ServerSessionTest, EndIsRecordedOnlyOnce) {
    ServerSession session = make({0});
    session.end(SessionOutcome::kInterrupted, "the server stopped", now, box);
    replay(box, out);
    session.end(SessionOutcome::kFailed, "again", now, box);
    replay(box, out);
    ASSERT_EQ(out.ended.size(), 1U);
    EXPECT_EQ(out.ended[0].outcome, SessionOutcome::kInterrupted);
    EXPECT_EQ(out.ended[0].reason, "the server stopped");
    session.on_timer(login_at + 1h, policy, box);
    replay(box, out);
    EXPECT_EQ(out.actions, Actions{});
}

// ---- pacing ----

TEST_F(ServerSessionTest, LockstepSendsOneCommandAtATime) {
    policy.pacing = Pacing::kLockstep;
    ServerSession session = make({0, 1, 2});
    session.on_timer(login_at + 3s, policy, box);
    replay(box, out);
    const std::string sid(kSid);
    EXPECT_EQ(out.take_actions(), Actions{publish_action(sid, "CMD1", 1)});
    reply(session, "CMD1", "Apple");
    EXPECT_EQ(out.take_actions(), Actions{publish_action(sid, "CMD2", 1)});
    reply(session, "CMD1", "Apple");  // surplus: no next command for it
    EXPECT_EQ(out.take_actions(), Actions{});
    reply(session, "CMD2", "Cat");
    EXPECT_EQ(out.take_actions(), Actions{publish_action(sid, "CMD3", 1)});
    reply(session, "CMD3", "Dog");
    EXPECT_EQ(out.take_actions(), Actions{well_done()});
    ASSERT_EQ(out.ended.size(), 1U);
    EXPECT_EQ(out.ended[0].outcome, SessionOutcome::kPassed);
}

TEST_F(ServerSessionTest, LockstepDoesNotAcceptAnAnswerToTheNextCommandEarly) {
    policy.pacing = Pacing::kLockstep;
    ServerSession session = make({0, 1});
    start(session);
    reply(session, "CMD2", "Cat");
    EXPECT_EQ(out.verdicts(), Verdicts{Verdict::kUnexpected});
    EXPECT_EQ(out.actions, Actions{});
}

// ---- names ----

TEST(ServerEventNames, VerdictsAndOutcomesHaveStableWords) {
    EXPECT_EQ(to_string(Verdict::kCorrect), "correct");
    EXPECT_EQ(to_string(Verdict::kLowQos), "low_qos");
    EXPECT_EQ(to_string(Verdict::kWrong), "wrong");
    EXPECT_EQ(to_string(Verdict::kSurplus), "surplus");
    EXPECT_EQ(to_string(Verdict::kUnexpected), "unexpected");
    EXPECT_EQ(to_string(Verdict::kUnknownSession), "unknown_session");
    EXPECT_EQ(to_string(Verdict::kAfterEnd), "after_end");
    EXPECT_EQ(to_string(SessionOutcome::kPassed), "passed");
    EXPECT_EQ(to_string(SessionOutcome::kFailed), "failed");
    EXPECT_EQ(to_string(SessionOutcome::kAbandoned), "abandoned");
    EXPECT_EQ(to_string(SessionOutcome::kTimedOut), "timed_out");
    EXPECT_EQ(to_string(SessionOutcome::kInterrupted), "interrupted");
}

}  // namespace
}  // namespace cmdlink::core

namespace cmdlink::core {
namespace {

// MQTT orders messages only within one QoS, so a later QoS 1 copy of a command may be
// answered before an earlier QoS 2 copy; neither answer is below its command's QoS.
TEST_F(ServerSessionTest, ReplyMatchesTheCopyOfItsOwnQosWhenCopiesArriveOutOfOrder) {
    policy.qos = std::nullopt;
    policy.min_commands = policy.max_commands = 2;
    ScriptedRandom random({0, 2, 0, 1});  // CMD1 at QoS 2, then CMD1 at QoS 1
    ServerSession session("12345", std::string(kSid), login_at, policy, random);
    announced(session);
    start(session);
    reply(session, "CMD1", "Apple", 1);
    reply(session, "CMD1", "Apple", 2);
    EXPECT_EQ(out.verdicts(), (Verdicts{Verdict::kCorrect, Verdict::kCorrect}));
    EXPECT_EQ(session.summary().outcome, SessionOutcome::kPassed);
}

TEST_F(ServerSessionTest, ReplyBelowEveryOpenCopyIsLowQos) {
    policy.qos = std::nullopt;
    policy.min_commands = policy.max_commands = 2;
    ScriptedRandom random({0, 2, 0, 1});
    ServerSession session("12345", std::string(kSid), login_at, policy, random);
    announced(session);
    start(session);
    reply(session, "CMD1", "Apple", 0);
    reply(session, "CMD1", "Apple", 0);
    EXPECT_EQ(out.verdicts(), (Verdicts{Verdict::kLowQos, Verdict::kLowQos}));
}

// ---- the verdict for the student (--feedback) ----

namespace feedback {

nlohmann::json verdict_of(const Action& action) {
    return nlohmann::json::parse(action.payload);
}

}  // namespace feedback

TEST_F(ServerSessionTest, WithFeedbackAFailedSessionPublishesItsVerdictAfterItsEnd) {
    policy.feedback = true;
    ServerSession session = make({0, 1});
    start(session);
    reply(session, "CMD1", "Apple");
    session.on_reply("CMD2", "Dog", 1, now, policy, box);
    // The verdict follows the SessionEnded event, so a ledger's write gate holds it until the
    // session's row is committed.
    ASSERT_EQ(box.entries().size(), 3U);
    EXPECT_TRUE(std::holds_alternative<ServerEvent>(box.entries()[0]));
    EXPECT_TRUE(std::holds_alternative<server_event::SessionEnded>(
        std::get<ServerEvent>(box.entries()[1])));
    ASSERT_TRUE(std::holds_alternative<MqttAction>(box.entries()[2]));
    replay(box, out);
    ASSERT_EQ(out.actions.size(), 1U);
    EXPECT_EQ(out.actions[0].topic, "12345/result");
    EXPECT_EQ(out.actions[0].qos, 1);
    EXPECT_EQ(feedback::verdict_of(out.actions[0]),
              (nlohmann::json{{"session_id", kSid},
                              {"outcome", "failed"},
                              {"reason", "wrong reply 'Dog' to CMD2 (expected 'Cat')"},
                              {"commands", 2},
                              {"correct", 1},
                              {"low_qos", 0},
                              {"wrong", 1},
                              {"surplus", 0}}));
}

TEST_F(ServerSessionTest, WithFeedbackAPassedSessionsVerdictFollowsWellDone) {
    policy.feedback = true;
    ServerSession session = make({0});
    start(session);
    reply(session, "CMD1", "Apple");
    ASSERT_EQ(out.actions.size(), 2U);
    EXPECT_EQ(out.actions[0], well_done());
    EXPECT_EQ(out.actions[1].topic, "12345/result");
    const auto verdict = feedback::verdict_of(out.actions[1]);
    EXPECT_EQ(verdict["outcome"], "passed");
    EXPECT_EQ(verdict["reason"], "");
    EXPECT_EQ(verdict["correct"], 1);
}

TEST_F(ServerSessionTest, WithFeedbackATimedOutSessionSaysWhatWasUnanswered) {
    policy.feedback = true;
    ServerSession session = make({0, 1});
    start(session);
    now = login_at + policy.delay + policy.session_timeout;
    session.on_timer(now, policy, box);
    replay(box, out);
    ASSERT_EQ(out.actions.size(), 1U);
    const auto verdict = feedback::verdict_of(out.actions[0]);
    EXPECT_EQ(verdict["outcome"], "timed_out");
    EXPECT_EQ(verdict["reason"], "2 of 2 commands unanswered after the session timeout");
}

TEST_F(ServerSessionTest, WithoutFeedbackNoVerdictGoesOut) {
    ServerSession session = make({0, 1});
    start(session);
    reply(session, "CMD2", "Dog");
    ASSERT_EQ(out.ended.size(), 1U);
    EXPECT_EQ(out.actions, Actions{});
}

}  // namespace
}  // namespace cmdlink::core
