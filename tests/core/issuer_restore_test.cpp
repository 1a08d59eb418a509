// Sessions held back until recorded, and sessions put back after a restart.
#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "core/issuer.hpp"
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

const std::string kSid = "5b0e4a5e-1c8f-4b7e-9a51-0d6f2f1b7c11";

class IssuerRestore : public ::testing::Test {
  protected:
    // `hold`: new sessions wait for announce(), as with a ledger; otherwise they go out at once.
    void start(bool hold, Pacing pacing = Pacing::kBurst, bool strict = false) {
        hold_ = hold;
        ServerPolicy policy;
        policy.pacing = pacing;
        policy.strict = strict;
        policy.delay = 1s;
        policy.session_timeout = 10s;
        policy.min_commands = 2;
        policy.max_commands = 2;
        auto created = Issuer::create(std::move(policy), random);
        ASSERT_TRUE(created) << created.error();
        issuer.emplace(std::move(created.value()));
        issuer->start();
        settle(*issuer, out, now, !hold_);
        out.actions.clear();
    }
    void advance(Duration by) {
        now += by;
        issuer->on_timer(now);
        settle(*issuer, out, now, !hold_);
    }
    void reply(const std::string& command, const std::string& word, int qos = 1) {
        issuer->on_message(kSid + "/" + command, word, qos, now);
        settle(*issuer, out, now, !hold_);
    }
    bool announce(std::string_view session_id) {
        const bool announced = issuer->announce(session_id, now);
        settle(*issuer, out, now, !hold_);
        return announced;
    }
    Result<bool> restore(const RestoredSession& session) {
        auto restored = issuer->restore(session, now);
        settle(*issuer, out, now, !hold_);
        return restored;
    }
    // Nothing runs, and nothing goes out even once its timers would have fired.
    void expect_nothing_in_flight() {
        EXPECT_EQ(issuer->active_sessions(), 0U);
        advance(5s);
        EXPECT_TRUE(out.actions.empty());
    }
    static RestoredSession running(std::vector<RestoredSession::Message> sent,
                                   std::vector<RestoredSession::Message> answers) {
        return {"777", kSid, std::move(sent), std::move(answers), {}, {}};
    }

    ScriptedRandom random;
    std::optional<Issuer> issuer;
    RecordingServerOutput out;
    TimePoint now = TimePoint{} + 1h;
    bool hold_ = false;
};

TEST_F(IssuerRestore, AHeldSessionIdGoesOutOnlyOnceConfirmed) {
    start(true);
    issuer->on_message("login", "777", 2, now);
    settle(*issuer, out, now, !hold_);
    ASSERT_EQ(out.issued.size(), 1U);
    const std::string sid = out.issued[0].session_id;
    EXPECT_TRUE(out.actions.empty());
    EXPECT_EQ(issuer->next_deadline(), kNever);

    now += 5ms;
    EXPECT_TRUE(announce(sid));
    EXPECT_EQ(out.actions, (Actions{publish_action("777/UUID", sid, 2)}));
    EXPECT_EQ(issuer->next_deadline(), now + 1s);
    EXPECT_FALSE(announce(sid));
    EXPECT_FALSE(announce("no-such-session"));
}

TEST_F(IssuerRestore, ARepeatedLoginDoesNotLeakAHeldId) {
    start(true);
    issuer->on_message("login", "777", 2, now);
    settle(*issuer, out, now, !hold_);
    issuer->on_message("login", "777", 2, now);
    settle(*issuer, out, now, !hold_);
    ASSERT_EQ(out.issued.size(), 2U);
    EXPECT_TRUE(out.issued[1].repeated);
    EXPECT_TRUE(out.actions.empty());
}

TEST_F(IssuerRestore, WithoutTheHoldTheIdGoesOutAtOnce) {
    start(false);
    issuer->on_message("login", "777", 2, now);
    settle(*issuer, out, now, !hold_);
    ASSERT_EQ(out.issued.size(), 1U);
    EXPECT_EQ(out.actions, (Actions{publish_action("777/UUID", out.issued[0].session_id, 2)}));
}

TEST_F(IssuerRestore, ARestoredSessionTakesTheRepliesThatWaitedForIt) {
    start(true);
    ASSERT_TRUE(restore(running({{"CMD1", 1, 3s}, {"CMD2", 2, 3s}}, {{"CMD1", 1}})));
    EXPECT_EQ(out.actions, (Actions{publish_action(kSid, "CMD2", 2)}))
        << "the unanswered command goes out again";
    out.actions.clear();
    EXPECT_EQ(issuer->active_sessions(), 1U);
    now += 1s;
    reply("CMD2", "Cat", 2);
    ASSERT_EQ(out.replies.size(), 1U);
    EXPECT_EQ(out.replies[0].verdict, Verdict::kCorrect);
    EXPECT_EQ(out.replies[0].latency, 4s) << "latency runs from when the command was sent";
    EXPECT_EQ(out.actions, (Actions{publish_action(kSid, std::string(kWellDone), 2)}));
    ASSERT_EQ(out.ended.size(), 1U);
    EXPECT_EQ(out.ended[0].outcome, SessionOutcome::kPassed);
    EXPECT_EQ(out.ended[0].correct, 2U);
}

TEST_F(IssuerRestore, AReplyToAnAlreadyAnsweredCommandIsSurplus) {
    start(true);
    ASSERT_TRUE(restore(running({{"CMD1", 1}, {"CMD2", 1}}, {{"CMD1", 1}})));
    reply("CMD1", "Apple");
    ASSERT_EQ(out.replies.size(), 1U);
    EXPECT_EQ(out.replies[0].verdict, Verdict::kSurplus);
    EXPECT_TRUE(out.ended.empty());
}

// The previous run may die after recording a reply and before recording what it meant:
// the restore judges the recorded replies again, under the policy of the run that restores.
TEST_F(IssuerRestore, InStrictModeALowQosAnswerRecordedBeforeTheRestartFailsTheSession) {
    start(true, Pacing::kBurst, true);
    ASSERT_TRUE(restore(running({{"CMD1", 2}, {"CMD2", 1}}, {{"CMD1", 0}, {"CMD2", 1}})));
    EXPECT_TRUE(out.actions.empty()) << "no Well done";
    ASSERT_EQ(out.ended.size(), 1U);
    EXPECT_EQ(out.ended[0].outcome, SessionOutcome::kFailed);
    EXPECT_EQ(out.ended[0].reason,
              "reply to CMD1 at QoS 0, below the command's QoS 2 (strict mode) (recorded before a "
              "server restart)");
    EXPECT_EQ(out.ended[0].low_qos, 1U);
    EXPECT_EQ(issuer->active_sessions(), 0U);
}

TEST_F(IssuerRestore, InStrictModeASurplusReplyRecordedBeforeTheRestartFailsTheSession) {
    start(true, Pacing::kBurst, true);
    RestoredSession session = running({{"CMD1", 1}, {"CMD2", 1}}, {{"CMD1", 1}});
    session.surplus = {{"CMD1", 1}};
    ASSERT_TRUE(restore(session));
    ASSERT_EQ(out.ended.size(), 1U);
    EXPECT_EQ(out.ended[0].outcome, SessionOutcome::kFailed);
    EXPECT_EQ(out.ended[0].reason,
              "surplus reply to CMD1 (strict mode) (recorded before a server restart)");
    EXPECT_EQ(out.ended[0].surplus, 1U);
}

TEST_F(IssuerRestore, InStrictModeARecordedAnswerThatMatchesNoCommandSentIsSurplus) {
    start(true, Pacing::kBurst, true);
    ASSERT_TRUE(restore(running({{"CMD1", 1}, {"CMD2", 1}}, {{"CMD1", 1}, {"CMD1", 1}})));
    ASSERT_EQ(out.ended.size(), 1U);
    EXPECT_EQ(out.ended[0].outcome, SessionOutcome::kFailed);
    EXPECT_EQ(out.ended[0].surplus, 1U);
}

TEST_F(IssuerRestore, WithoutStrictModeRecordedLowQosAndSurplusRepliesAreOnlyCounted) {
    start(true);
    RestoredSession session = running({{"CMD1", 2}, {"CMD2", 1}}, {{"CMD1", 0}});
    session.surplus = {{"CMD1", 1}, {"CMD5", 1}};
    ASSERT_TRUE(restore(session));
    EXPECT_TRUE(out.ended.empty());
    reply("CMD2", "Cat");
    ASSERT_EQ(out.ended.size(), 1U);
    EXPECT_EQ(out.ended[0].outcome, SessionOutcome::kPassed);
    EXPECT_EQ(out.ended[0].low_qos, 1U);
    EXPECT_EQ(out.ended[0].surplus, 2U);
}

TEST_F(IssuerRestore, AWrongReplyRecordedBeforeTheRestartFailsTheSessionInAnyMode) {
    start(true);
    RestoredSession session = running({{"CMD1", 1}}, {});
    session.wrong = {{"CMD1", 1}};
    ASSERT_TRUE(restore(session));
    EXPECT_TRUE(out.actions.empty()) << "no Well done";
    ASSERT_EQ(out.ended.size(), 1U);
    EXPECT_EQ(out.ended[0].outcome, SessionOutcome::kFailed);
    EXPECT_EQ(out.ended[0].reason, "wrong reply to CMD1 (recorded before a server restart)");
    EXPECT_EQ(out.ended[0].wrong, 1U);
}

TEST_F(IssuerRestore, ASessionAnsweredCompletelyBeforeTheRestartPassesAtOnce) {
    start(true);
    ASSERT_TRUE(restore(running({{"CMD3", 0}}, {{"CMD3", 0}})));
    EXPECT_EQ(out.actions, (Actions{publish_action(kSid, std::string(kWellDone), 2)}));
    ASSERT_EQ(out.ended.size(), 1U);
    EXPECT_EQ(out.ended[0].outcome, SessionOutcome::kPassed);
    EXPECT_EQ(issuer->active_sessions(), 0U);
}

TEST_F(IssuerRestore, ALockstepSessionGoesOnWithTheRestOfAFreshPlan) {
    start(true, Pacing::kLockstep);
    ASSERT_TRUE(restore(running({{"CMD1", 1}}, {})));
    EXPECT_EQ(out.commands_sent_to(kSid), (std::vector<std::string>{"CMD1"}))
        << "the unanswered command goes out again";
    reply("CMD1", "Apple");
    // The policy draws exactly two commands: one was sent before the restart, one comes now.
    const auto sent = out.commands_sent_to(kSid);
    ASSERT_EQ(sent.size(), 2U);
    EXPECT_TRUE(out.ended.empty());
}

TEST_F(IssuerRestore, ALockstepSessionAnsweredBeforeTheRestartGetsItsNextCommand) {
    start(true, Pacing::kLockstep);
    ASSERT_TRUE(restore(running({{"CMD1", 1}}, {{"CMD1", 1}})));
    EXPECT_EQ(out.commands_sent_to(kSid).size(), 1U);
    EXPECT_TRUE(out.ended.empty());
}

TEST_F(IssuerRestore, ASessionWithoutCommandsSendsItsIdAgainThenItsPlan) {
    start(true);
    ASSERT_TRUE(restore(running({}, {})));
    EXPECT_EQ(out.actions, (Actions{publish_action("777/UUID", kSid, 2)}));
    advance(1s);
    EXPECT_EQ(out.commands_sent_to(kSid).size(), 2U);
}

TEST_F(IssuerRestore, ARestoredSessionThatTimesOutSaysTheServerRestarted) {
    start(true);
    ASSERT_TRUE(restore(running({{"CMD1", 1}}, {})));
    EXPECT_EQ(issuer->next_deadline(), now + 10s);
    advance(10s);
    ASSERT_EQ(out.ended.size(), 1U);
    EXPECT_EQ(out.ended[0].outcome, SessionOutcome::kTimedOut);
    EXPECT_NE(out.ended[0].reason.find("server restarted"), std::string::npos)
        << out.ended[0].reason;
}

TEST_F(IssuerRestore, RepliesToASessionThatEndedBeforeTheRestartComeAfterTheEnd) {
    start(true);
    issuer->remember_ended({kSid, 1min}, now);
    issuer->remember_ended({"long-gone", 11min}, now);
    reply("CMD1", "Apple");
    issuer->on_message("long-gone/CMD1", "Apple", 1, now);
    settle(*issuer, out, now, !hold_);
    ASSERT_EQ(out.replies.size(), 2U);
    EXPECT_EQ(out.replies[0].verdict, Verdict::kAfterEnd);
    EXPECT_EQ(out.replies[1].verdict, Verdict::kUnknownSession);
    // Remembered for what is left of the ten minutes of retention, then forgotten.
    advance(9min);
    reply("CMD1", "Apple");
    EXPECT_EQ(out.replies.back().verdict, Verdict::kUnknownSession);
}

TEST_F(IssuerRestore, EveryUnansweredCommandGoesOutAgainAsTheSameCommand) {
    start(true);
    ASSERT_TRUE(restore(running({{"CMD1", 1}, {"CMD2", 2}, {"CMD1", 0}}, {{"CMD1", 1}})));
    EXPECT_EQ(out.actions,
              (Actions{publish_action(kSid, "CMD2", 2), publish_action(kSid, "CMD1", 0)}));
    ASSERT_EQ(out.commands.size(), 2U);
    EXPECT_EQ(out.commands[0].index, 1U) << "the same command, not a new one";
    EXPECT_EQ(out.commands[1].index, 2U);
    reply("CMD2", "Cat", 2);
    reply("CMD1", "Apple", 0);
    ASSERT_EQ(out.ended.size(), 1U);
    EXPECT_EQ(out.ended[0].outcome, SessionOutcome::kPassed);
    EXPECT_EQ(out.ended[0].commands, 3U);
}

TEST_F(IssuerRestore, InStrictModeASurplusReplyTheRestartCausedDoesNotFail) {
    start(true, Pacing::kBurst, true);
    // CMD1 was answered before the crash, CMD2 goes out again: the device may answer both
    // again (CMD1's reply redelivered at QoS 1, CMD2 delivered twice).
    ASSERT_TRUE(restore(running({{"CMD1", 1}, {"CMD2", 1}}, {{"CMD1", 1}})));
    reply("CMD1", "Apple");
    reply("CMD2", "Cat");
    ASSERT_EQ(out.ended.size(), 1U);
    EXPECT_EQ(out.ended[0].outcome, SessionOutcome::kPassed);
    EXPECT_EQ(out.ended[0].surplus, 1U) << "recorded, though excused";
}

TEST_F(IssuerRestore, InStrictModeSurplusBeyondWhatTheRestartExplainsStillFails) {
    start(true, Pacing::kBurst, true);
    const std::string third = kSid;
    ASSERT_TRUE(restore(running({{"CMD1", 1}, {"CMD2", 1}, {"CMD3", 1}}, {{"CMD1", 1}})));
    issuer->on_message(third + "/CMD1", "Apple", 1, now);  // excused: CMD1 answered before
    issuer->on_message(third + "/CMD1", "Apple", 1, now);  // excused: CMD2 was sent again
    issuer->on_message(third + "/CMD1", "Apple", 1, now);  // excused: CMD3 was sent again
    settle(*issuer, out, now, true);
    EXPECT_TRUE(out.ended.empty());
    issuer->on_message(third + "/CMD1", "Apple", 1, now);  // nothing explains this one
    settle(*issuer, out, now, true);
    ASSERT_EQ(out.ended.size(), 1U);
    EXPECT_EQ(out.ended[0].outcome, SessionOutcome::kFailed);
}

TEST_F(IssuerRestore, AnEndTheBrokerNeverAcknowledgedGoesOutAgain) {
    start(true);
    issuer->remember_ended({kSid, 1min, true}, now);
    issuer->remember_ended({"delivered", 1min, false}, now);
    settle(*issuer, out, now, !hold_);
    EXPECT_EQ(out.actions, (Actions{publish_action(kSid, std::string(kWellDone), 2)}));
}

TEST_F(IssuerRestore, RefusesWhatCannotBeRestored) {
    start(true);
    auto unknown = restore(running({{"CMD99", 1}}, {}));
    ASSERT_FALSE(unknown);
    EXPECT_NE(unknown.error().find("CMD99"), std::string::npos) << unknown.error();
    EXPECT_EQ(issuer->active_sessions(), 0U);

    ASSERT_TRUE(restore(running({{"CMD1", 1}}, {})));
    EXPECT_FALSE(restore(running({{"CMD1", 1}}, {})));
    RestoredSession bad_user = running({}, {});
    bad_user.user_id = "a/b";
    bad_user.session_id = "other";
    EXPECT_FALSE(restore(bad_user));
    EXPECT_EQ(issuer->active_sessions(), 1U);
}

// Found by fuzz/issuer_fuzzer: a session restored after stop() published its ID and would
// have sent its commands, though nothing may go out after a stop.
TEST_F(IssuerRestore, NothingIsRestoredAfterAStop) {
    start(true);
    issuer->stop(now);
    settle(*issuer, out, now, !hold_);
    out.actions.clear();
    auto restored = restore(running({}, {}));
    ASSERT_FALSE(restored);
    EXPECT_NE(restored.error().find("stopped"), std::string::npos) << restored.error();
    expect_nothing_in_flight();
}

TEST_F(IssuerRestore, ASessionIdThatCannotBeATopicIsNotRestored) {
    start(true);
    for (const std::string bad : {"a/b", "+", "#", ""}) {
        RestoredSession session = running({}, {});
        session.session_id = bad;
        auto restored = restore(session);
        ASSERT_FALSE(restored) << bad;
        EXPECT_NE(restored.error().find("session ID"), std::string::npos) << restored.error();
    }
    expect_nothing_in_flight();
}

TEST_F(IssuerRestore, AnUndeliveredEndUnderAnIdThatCannotBeATopicIsNotPublished) {
    start(true);
    issuer->remember_ended({"a/+", 1min, true}, now);
    settle(*issuer, out, now, !hold_);
    EXPECT_TRUE(out.actions.empty());
}

}  // namespace
}  // namespace cmdlink::core
