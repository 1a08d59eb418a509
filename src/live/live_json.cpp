#include "live/live_json.hpp"

#include <nlohmann/json.hpp>

#include "core/server_events.hpp"

namespace cmdlink::live {

std::string to_json(const LiveSnapshot& snapshot) {
    using Json = nlohmann::json;
    Json students = Json::array();
    for (const StudentRow& row : snapshot.students) {
        students.push_back({{"user_id", row.user_id},
                            {"state", to_string(row.state)},
                            {"reason", row.reason},
                            {"session_id", row.session_id},
                            {"sessions", row.sessions},
                            {"passed", row.passed},
                            {"commands", row.commands},
                            {"correct", row.correct}});
    }
    Json outcomes = Json::object();
    for (std::size_t at = 0; at < kOutcomes; ++at) {
        outcomes[std::string(to_string(static_cast<core::SessionOutcome>(at)))] =
            snapshot.sessions_by_outcome.at(at);
    }
    Json verdicts = Json::object();
    for (std::size_t at = 0; at < kVerdicts; ++at) {
        verdicts[std::string(to_string(static_cast<core::Verdict>(at)))] =
            snapshot.replies_by_verdict.at(at);
    }
    Json buckets = Json::array();
    const auto& bounds = LatencyBuckets::kUpperSeconds;
    for (std::size_t at = 0; at < snapshot.latency.counts.size(); ++at) {
        buckets.push_back({{"le", at < bounds.size() ? Json(bounds.at(at)) : Json("+Inf")},
                           {"count", snapshot.latency.counts.at(at)}});
    }
    Json minutes = Json::array();
    for (const MinuteCount& minute : snapshot.sessions_per_minute) {
        minutes.push_back({{"passed", minute.passed}, {"not_passed", minute.not_passed}});
    }
    const Json state = {
        {"version", snapshot.version},
        {"broker", {{"connected", snapshot.broker_connected}, {"state", snapshot.broker_state}}},
        {"roster", snapshot.roster},
        {"students", std::move(students)},
        {"students_not_listed", snapshot.students_not_listed},
        {"sessions_started", snapshot.sessions_started},
        {"sessions_in_flight", snapshot.sessions_in_flight},
        {"logins_refused", snapshot.logins_refused},
        {"commands_sent", snapshot.commands_sent},
        {"sessions", std::move(outcomes)},
        {"replies", std::move(verdicts)},
        {"latency",
         {{"buckets", std::move(buckets)},
          {"count", snapshot.latency.count},
          {"sum_seconds", snapshot.latency.sum_seconds}}},
        {"ledger_queue_depth", snapshot.ledger_queue_depth},
        {"sessions_per_minute", std::move(minutes)},
    };
    // A user ID is checked text, but a reason may quote a stranger's bytes: never throw on
    // them.
    return state.dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace cmdlink::live
