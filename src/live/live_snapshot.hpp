#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace cmdlink::live {

// Where one student stands, as a person watching the room would say it.
enum class StudentState {
    kNeverTried,    // on the roster, no login yet
    kRefused,       // logged in, but every login so far was refused
    kWaitingForId,  // logged in; the session ID is not out yet (ledger, grant)
    kInSession,     // has its session ID: commands and replies under way
    kPassed,
    kFailed,
    kTimedOut,
    kAbandoned,
    kInterrupted,
};

// `never_tried`, `waiting_for_id`, ...: the names of the JSON API and the metrics.
std::string_view to_string(StudentState state);

struct StudentRow {
    std::string user_id;
    StudentState state = StudentState::kNeverTried;
    // Why the last session did not pass, or why the last login was refused.
    std::string reason;
    std::string session_id;      // the current or last session's
    std::uint32_t sessions = 0;  // sessions started
    std::uint32_t passed = 0;
    std::uint32_t commands = 0;  // of the last ended session
    std::uint32_t correct = 0;   // of the last ended session
};

// Prometheus-style buckets of reply latency; counts are per bucket (not cumulative), the
// last one above every bound.
struct LatencyBuckets {
    static constexpr std::array<double, 13> kUpperSeconds = {
        0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
    std::array<std::uint64_t, kUpperSeconds.size() + 1> counts{};
    double sum_seconds = 0;
    std::uint64_t count = 0;
};

struct MinuteCount {
    std::uint64_t passed = 0;
    std::uint64_t not_passed = 0;
};

inline constexpr std::size_t kOutcomes = 5;  // core::SessionOutcome
inline constexpr std::size_t kVerdicts = 7;  // core::Verdict

// One immutable picture of the server for the live view; built on the event loop, read by
// the HTTP threads.
struct LiveSnapshot {
    std::uint64_t version = 0;
    bool broker_connected = false;
    // `connecting`, `connected`, `ready`, `lost: <reason>`, `stopped: <reason>`.
    std::string broker_state = "connecting";
    bool roster = false;  // every student listed from the start
    std::vector<StudentRow> students;
    // Students beyond the list's bound (a flood of made-up user IDs): counted only.
    std::uint64_t students_not_listed = 0;
    std::uint64_t sessions_started = 0;
    std::uint64_t sessions_in_flight = 0;
    std::uint64_t logins_refused = 0;
    std::uint64_t commands_sent = 0;
    std::array<std::uint64_t, kOutcomes> sessions_by_outcome{};  // by core::SessionOutcome
    std::array<std::uint64_t, kVerdicts> replies_by_verdict{};   // by core::Verdict
    LatencyBuckets latency;
    std::uint64_t ledger_queue_depth = 0;
    // Sessions ended in each of the last minutes, oldest first; the last is the current one.
    std::vector<MinuteCount> sessions_per_minute;
};

}  // namespace cmdlink::live
