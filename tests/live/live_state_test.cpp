#include "live/live_state.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

namespace cmdlink::live {
namespace {

using namespace std::chrono_literals;
namespace ev = core::server_event;

const std::string kSession1 = "0b7c7a1e-2f4d-4c1a-9e3b-5d6f7a8b9c01";
const std::string kSession2 = "0b7c7a1e-2f4d-4c1a-9e3b-5d6f7a8b9c02";

class LiveStateTest : public ::testing::Test {
  protected:
    core::TimePoint start_ = core::TimePoint{} + 1h;
    LiveState state_{start_};

    void issue(const std::string& user, const std::string& session) {
        state_.on_event(ev::SessionIssued{user, session, false}, start_);
    }
    void announce(const std::string& user, const std::string& session) {
        state_.on_event(ev::SessionAnnounced{user, session}, start_);
    }
    void end(const std::string& user, const std::string& session, core::SessionOutcome outcome,
             std::string reason = "", core::TimePoint at = {}) {
        core::SessionSummary summary;
        summary.user_id = user;
        summary.session_id = session;
        summary.outcome = outcome;
        summary.reason = std::move(reason);
        summary.commands = 3;
        summary.correct = outcome == core::SessionOutcome::kPassed ? 3 : 1;
        state_.on_event(ev::SessionEnded{summary}, at == core::TimePoint{} ? start_ : at);
    }
    const StudentRow& row(const LiveSnapshot& snapshot, const std::string& user) {
        for (const StudentRow& one : snapshot.students) {
            if (one.user_id == user) return one;
        }
        ADD_FAILURE() << user << " is not listed";
        static const StudentRow kNone;
        return kNone;
    }
};

TEST_F(LiveStateTest, ListsEveryRosterStudentAsNeverTriedFromTheStart) {
    state_.set_roster({"1001", "1002"});
    const LiveSnapshot snapshot = state_.snapshot(start_);
    ASSERT_EQ(snapshot.students.size(), 2U);
    EXPECT_TRUE(snapshot.roster);
    EXPECT_EQ(snapshot.students[0].user_id, "1001");
    EXPECT_EQ(snapshot.students[0].state, StudentState::kNeverTried);
    EXPECT_EQ(snapshot.students[1].state, StudentState::kNeverTried);
}

TEST_F(LiveStateTest, FollowsAStudentFromLoginToItsSessionsEnd) {
    state_.set_roster({"1001"});
    issue("1001", kSession1);
    EXPECT_EQ(row(state_.snapshot(start_), "1001").state, StudentState::kWaitingForId);
    announce("1001", kSession1);
    LiveSnapshot snapshot = state_.snapshot(start_);
    EXPECT_EQ(row(snapshot, "1001").state, StudentState::kInSession);
    EXPECT_EQ(snapshot.sessions_in_flight, 1U);
    end("1001", kSession1, core::SessionOutcome::kPassed);
    snapshot = state_.snapshot(start_);
    const StudentRow& alice = row(snapshot, "1001");
    EXPECT_EQ(alice.state, StudentState::kPassed);
    EXPECT_EQ(alice.sessions, 1U);
    EXPECT_EQ(alice.passed, 1U);
    EXPECT_EQ(alice.correct, 3U);
    EXPECT_EQ(alice.session_id, kSession1);
    EXPECT_EQ(snapshot.sessions_in_flight, 0U);
    EXPECT_EQ(snapshot.sessions_started, 1U);
    EXPECT_EQ(snapshot.sessions_by_outcome[static_cast<std::size_t>(core::SessionOutcome::kPassed)],
              1U);
}

TEST_F(LiveStateTest, ShowsWhyASessionFailedUntilTheNextOneStarts) {
    issue("1001", kSession1);
    announce("1001", kSession1);
    end("1001", kSession1, core::SessionOutcome::kTimedOut, "no reply to CMD3 within 30 s");
    const StudentRow failed = row(state_.snapshot(start_), "1001");
    EXPECT_EQ(failed.state, StudentState::kTimedOut);
    EXPECT_EQ(failed.reason, "no reply to CMD3 within 30 s");
    issue("1001", kSession2);
    const StudentRow again = row(state_.snapshot(start_), "1001");
    EXPECT_EQ(again.state, StudentState::kWaitingForId);
    EXPECT_EQ(again.reason, "");
    EXPECT_EQ(again.sessions, 2U);
}

TEST_F(LiveStateTest, ARepeatedLoginIsNotANewSession) {
    issue("1001", kSession1);
    state_.on_event(ev::SessionIssued{"1001", kSession1, true}, start_);
    const LiveSnapshot snapshot = state_.snapshot(start_);
    EXPECT_EQ(snapshot.sessions_started, 1U);
    EXPECT_EQ(row(snapshot, "1001").sessions, 1U);
}

TEST_F(LiveStateTest, WithoutARosterStudentsAppearAsTheyLogIn) {
    EXPECT_TRUE(state_.snapshot(start_).students.empty());
    issue("1002", kSession1);
    const LiveSnapshot snapshot = state_.snapshot(start_);
    EXPECT_FALSE(snapshot.roster);
    ASSERT_EQ(snapshot.students.size(), 1U);
    EXPECT_EQ(snapshot.students[0].user_id, "1002");
}

TEST_F(LiveStateTest, CountsRefusedLoginsAndMarksOnlyKnownStudentsRefused) {
    state_.set_roster({"1001"});
    state_.on_event(ev::LoginRefused{"1001", "no session IDs left for this user", 1}, start_);
    state_.on_event(ev::LoginRefused{"9999", "not in the roster", 1}, start_);
    state_.on_event(ev::LoginRefused{"", "not a user ID", 40}, start_);
    const LiveSnapshot snapshot = state_.snapshot(start_);
    EXPECT_EQ(snapshot.logins_refused, 42U);
    ASSERT_EQ(snapshot.students.size(), 1U);
    EXPECT_EQ(snapshot.students[0].state, StudentState::kRefused);
    EXPECT_EQ(snapshot.students[0].reason, "no session IDs left for this user");
}

TEST_F(LiveStateTest, CountsRepliesByVerdictAndBucketsTheLatencyOfThoseThatAnswerACommand) {
    state_.on_event(ev::ReplyChecked{kSession1, "CMD1", "Apple", 1, core::Verdict::kCorrect, 3ms},
                    start_);
    state_.on_event(ev::ReplyChecked{kSession1, "CMD2", "Pear", 1, core::Verdict::kWrong, 40s},
                    start_);
    state_.on_event(
        ev::ReplyChecked{kSession2, "CMD1", "Apple", 1, core::Verdict::kUnknownSession, 0ms},
        start_);
    const LiveSnapshot snapshot = state_.snapshot(start_);
    EXPECT_EQ(snapshot.replies_by_verdict[static_cast<std::size_t>(core::Verdict::kCorrect)], 1U);
    EXPECT_EQ(snapshot.replies_by_verdict[static_cast<std::size_t>(core::Verdict::kWrong)], 1U);
    EXPECT_EQ(snapshot.replies_by_verdict[static_cast<std::size_t>(core::Verdict::kUnknownSession)],
              1U);
    EXPECT_EQ(snapshot.latency.count, 2U);
    EXPECT_DOUBLE_EQ(snapshot.latency.sum_seconds, 40.003);
    // 3 ms lies in (2.5 ms, 5 ms]; 40 s above every bound.
    EXPECT_EQ(snapshot.latency.counts[2], 1U);
    EXPECT_EQ(snapshot.latency.counts.back(), 1U);
}

TEST_F(LiveStateTest, CountsSessionsInTheMinuteTheyEndedAndForgetsMinutesBeyondTheWindow) {
    end("1001", kSession1, core::SessionOutcome::kPassed, "", start_ + 10s);
    end("1002", kSession2, core::SessionOutcome::kFailed, "wrong reply", start_ + 70s);
    LiveSnapshot snapshot = state_.snapshot(start_ + 90s);
    ASSERT_EQ(snapshot.sessions_per_minute.size(), LiveState::kMinutesShown);
    const auto& minutes = snapshot.sessions_per_minute;
    EXPECT_EQ(minutes[minutes.size() - 2].passed, 1U);
    EXPECT_EQ(minutes.back().not_passed, 1U);
    snapshot = state_.snapshot(start_ + 90s + std::chrono::minutes(LiveState::kMinutesShown));
    for (const MinuteCount& minute : snapshot.sessions_per_minute) {
        EXPECT_EQ(minute.passed + minute.not_passed, 0U);
    }
}

TEST_F(LiveStateTest, ListsAtMostItsBoundOfStudentsAndCountsTheRest) {
    for (std::size_t at = 0; at < LiveState::kMaxStudents + 3; ++at) {
        state_.on_event(ev::SessionIssued{std::to_string(100000 + at), kSession1, false}, start_);
    }
    const LiveSnapshot snapshot = state_.snapshot(start_);
    EXPECT_EQ(snapshot.students.size(), LiveState::kMaxStudents);
    EXPECT_EQ(snapshot.students_not_listed, 3U);
}

TEST_F(LiveStateTest, SaysWhetherTheBrokerIsConnected) {
    EXPECT_FALSE(state_.snapshot(start_).broker_connected);
    state_.set_broker_state(true, "ready");
    EXPECT_TRUE(state_.snapshot(start_).broker_connected);
    EXPECT_EQ(state_.snapshot(start_).broker_state, "ready");
}

}  // namespace
}  // namespace cmdlink::live
