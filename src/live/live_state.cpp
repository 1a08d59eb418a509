#include "live/live_state.hpp"

#include <algorithm>
#include <chrono>
#include <type_traits>
#include <variant>

namespace cmdlink::live {
namespace {

StudentState state_of(core::SessionOutcome outcome) {
    switch (outcome) {
        case core::SessionOutcome::kPassed:
            return StudentState::kPassed;
        case core::SessionOutcome::kFailed:
            return StudentState::kFailed;
        case core::SessionOutcome::kAbandoned:
            return StudentState::kAbandoned;
        case core::SessionOutcome::kTimedOut:
            return StudentState::kTimedOut;
        case core::SessionOutcome::kInterrupted:
            return StudentState::kInterrupted;
    }
    return StudentState::kFailed;
}

}  // namespace

std::string_view to_string(StudentState state) {
    switch (state) {
        case StudentState::kNeverTried:
            return "never_tried";
        case StudentState::kRefused:
            return "refused";
        case StudentState::kWaitingForId:
            return "waiting_for_id";
        case StudentState::kInSession:
            return "in_session";
        case StudentState::kPassed:
            return "passed";
        case StudentState::kFailed:
            return "failed";
        case StudentState::kTimedOut:
            return "timed_out";
        case StudentState::kAbandoned:
            return "abandoned";
        case StudentState::kInterrupted:
            return "interrupted";
    }
    return "unknown";
}

void LiveState::set_roster(const std::vector<std::string>& user_ids) {
    counts_.roster = true;
    for (const std::string& user_id : user_ids) row_of(user_id, true);
}

void LiveState::set_broker_state(bool connected, std::string state) {
    counts_.broker_connected = connected;
    counts_.broker_state = std::move(state);
}

void LiveState::on_event(const core::ServerEvent& event, core::TimePoint now) {
    namespace ev = core::server_event;
    std::visit(
        [&](const auto& happened) {
            using Event = std::decay_t<decltype(happened)>;
            if constexpr (std::is_same_v<Event, ev::LoginRefused>) {
                on_refused(happened);
            } else if constexpr (std::is_same_v<Event, ev::SessionIssued>) {
                on_issued(happened);
            } else if constexpr (std::is_same_v<Event, ev::SessionAnnounced>) {
                on_announced(happened);
            } else if constexpr (std::is_same_v<Event, ev::CommandSent>) {
                if (!happened.resent) ++counts_.commands_sent;
            } else if constexpr (std::is_same_v<Event, ev::ReplyChecked>) {
                on_reply(happened);
            } else if constexpr (std::is_same_v<Event, ev::SessionEnded>) {
                on_ended(happened.summary, now);
            }
        },
        event);
}

void LiveState::on_refused(const core::server_event::LoginRefused& refused) {
    counts_.logins_refused += refused.count;
    // A refusal names a student only if the view knows it already: refused made-up user IDs
    // would otherwise fill the list.
    StudentRow* row = refused.user_id.empty() ? nullptr : row_of(refused.user_id, false);
    if (row == nullptr) return;
    row->reason = refused.reason;
    if (row->state == StudentState::kNeverTried) row->state = StudentState::kRefused;
}

void LiveState::on_issued(const core::server_event::SessionIssued& issued) {
    if (issued.repeated) return;
    ++counts_.sessions_started;
    user_by_session_.insert_or_assign(std::string(issued.session_id), std::string(issued.user_id));
    StudentRow* row = row_of(issued.user_id, !counts_.roster);
    if (row == nullptr) return;
    ++row->sessions;
    row->state = StudentState::kWaitingForId;
    row->reason.clear();
    row->session_id = issued.session_id;
}

void LiveState::on_announced(const core::server_event::SessionAnnounced& announced) {
    StudentRow* row = row_of(announced.user_id, false);
    if (row != nullptr && row->session_id == announced.session_id) {
        row->state = StudentState::kInSession;
    }
}

void LiveState::on_reply(const core::server_event::ReplyChecked& reply) {
    ++counts_.replies_by_verdict.at(static_cast<std::size_t>(reply.verdict));
    // A reply that answers no command has no latency to show.
    if (reply.latency <= core::Duration::zero()) return;
    const double seconds = std::chrono::duration<double>(reply.latency).count();
    const auto& bounds = LatencyBuckets::kUpperSeconds;
    const auto bucket = static_cast<std::size_t>(
        std::lower_bound(bounds.begin(), bounds.end(), seconds) - bounds.begin());
    ++counts_.latency.counts.at(bucket);
    counts_.latency.sum_seconds += seconds;
    ++counts_.latency.count;
}

void LiveState::on_ended(const core::SessionSummary& summary, core::TimePoint now) {
    ++counts_.sessions_by_outcome.at(static_cast<std::size_t>(summary.outcome));
    user_by_session_.erase(std::string(summary.session_id));
    advance_minutes(now);
    MinuteCount& minute = minutes_.back();
    ++(summary.outcome == core::SessionOutcome::kPassed ? minute.passed : minute.not_passed);
    // A session restored from a previous run's ledger ends without having been issued here.
    StudentRow* row = row_of(summary.user_id, !counts_.roster);
    if (row == nullptr) return;
    if (row->sessions == 0) row->sessions = 1;
    row->state = state_of(summary.outcome);
    row->reason = summary.outcome == core::SessionOutcome::kPassed ? "" : summary.reason;
    row->session_id = summary.session_id;
    row->commands = summary.commands;
    row->correct = summary.correct;
    if (summary.outcome == core::SessionOutcome::kPassed) ++row->passed;
}

StudentRow* LiveState::row_of(std::string_view user_id, bool add) {
    const auto found = row_by_user_.find(std::string(user_id));
    if (found != row_by_user_.end()) return &students_[found->second];
    if (!add) return nullptr;
    if (students_.size() >= kMaxStudents) {
        ++counts_.students_not_listed;
        return nullptr;
    }
    row_by_user_.emplace(std::string(user_id), students_.size());
    StudentRow& row = students_.emplace_back();
    row.user_id = user_id;
    return &row;
}

std::int64_t LiveState::minute_of(core::TimePoint now) const {
    return std::chrono::duration_cast<std::chrono::minutes>(now - started_).count();
}

void LiveState::advance_minutes(core::TimePoint now) {
    const std::int64_t minute = minute_of(now);
    if (minute <= current_minute_) return;
    const auto shift = static_cast<std::size_t>(
        std::min<std::int64_t>(minute - current_minute_, static_cast<std::int64_t>(kMinutesShown)));
    std::rotate(minutes_.begin(), minutes_.begin() + static_cast<std::ptrdiff_t>(shift),
                minutes_.end());
    std::fill(minutes_.end() - static_cast<std::ptrdiff_t>(shift), minutes_.end(), MinuteCount{});
    current_minute_ = minute;
}

LiveSnapshot LiveState::snapshot(core::TimePoint now) {
    advance_minutes(now);
    LiveSnapshot snapshot = counts_;
    snapshot.students = students_;
    snapshot.sessions_in_flight = user_by_session_.size();
    snapshot.ledger_queue_depth = ledger_queue_depth_;
    snapshot.sessions_per_minute = minutes_;
    return snapshot;
}

}  // namespace cmdlink::live
