#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/clock.hpp"
#include "core/server_events.hpp"
#include "live/live_snapshot.hpp"

namespace cmdlink::live {

// The live view's model of one server: every student's state and the counters, fed with the
// server's events on the event loop. No thread, no I/O: snapshot() hands out a copy that
// other threads may read.
class LiveState {
  public:
    // Bounds the student list (and this model's memory) under a flood of made-up user IDs.
    static constexpr std::size_t kMaxStudents = 5'000;
    static constexpr std::size_t kMinutesShown = 30;

    explicit LiveState(core::TimePoint started) : started_(started) {}

    // The roster's students, listed as never tried until they log in.
    void set_roster(const std::vector<std::string>& user_ids);
    void on_event(const core::ServerEvent& event, core::TimePoint now);
    void set_broker_state(bool connected, std::string state);
    void set_ledger_queue_depth(std::uint64_t depth) { ledger_queue_depth_ = depth; }

    [[nodiscard]] LiveSnapshot snapshot(core::TimePoint now);
    // The minute (since start) that `now` falls in; a new one changes the per-minute plot.
    [[nodiscard]] std::int64_t minute_of(core::TimePoint now) const;

  private:
    void on_refused(const core::server_event::LoginRefused& refused);
    void on_issued(const core::server_event::SessionIssued& issued);
    void on_announced(const core::server_event::SessionAnnounced& announced);
    void on_reply(const core::server_event::ReplyChecked& reply);
    void on_ended(const core::SessionSummary& summary, core::TimePoint now);
    // The row of `user_id`, added if there is room; nullptr when the list is full.
    StudentRow* row_of(std::string_view user_id, bool add);
    void advance_minutes(core::TimePoint now);

    core::TimePoint started_;
    LiveSnapshot counts_;  // everything but the students and the minutes
    std::vector<StudentRow> students_;
    std::unordered_map<std::string, std::size_t> row_by_user_;
    std::unordered_map<std::string, std::string> user_by_session_;  // sessions in flight
    std::uint64_t ledger_queue_depth_ = 0;
    std::vector<MinuteCount> minutes_ = std::vector<MinuteCount>(kMinutesShown);
    std::int64_t current_minute_ = 0;  // the minute of minutes_.back()
};

}  // namespace cmdlink::live
