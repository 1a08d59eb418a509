#include "apps/output/results_summary.hpp"

#include <algorithm>
#include <map>

#include "apps/grading/grade_sheet.hpp"

namespace cmdlink::apps {

std::string shown_outcome(const ledger::SessionRecord& session) {
    return session.outcome.empty() ? "in_flight" : session.outcome;
}

std::vector<UserSummary> summarize_users(const std::vector<ledger::SessionRecord>& sessions,
                                         const std::vector<ledger::ReplyRecord>& replies) {
    std::map<std::string, UserSummary> by_user;
    std::map<std::string, std::vector<std::int64_t>> latencies;
    for (const ledger::SessionRecord& session : sessions) {
        UserSummary& user = by_user[session.user_id];
        user.user_id = session.user_id;
        const std::string outcome = shown_outcome(session);
        if (user.attempts == 0 || outcome_rank(outcome) < outcome_rank(user.best_outcome)) {
            user.best_outcome = outcome;
        }
        ++user.attempts;
        if (outcome == "passed") ++user.passed;
        user.commands += static_cast<std::uint64_t>(session.commands_sent);
    }
    for (const ledger::ReplyRecord& reply : replies) {
        const auto found = by_user.find(reply.user_id);
        if (reply.user_id.empty() || found == by_user.end()) continue;
        ++found->second.replies;
        if (reply.latency_us) latencies[reply.user_id].push_back(*reply.latency_us);
    }
    std::vector<UserSummary> summaries;
    summaries.reserve(by_user.size());
    for (auto& [user_id, user] : by_user) {
        if (auto& values = latencies[user_id]; !values.empty()) {
            std::sort(values.begin(), values.end());
            // Nearest rank: the median of an even count is the lower middle value.
            user.latency_p50_us = values[(values.size() - 1) / 2];
            user.latency_max_us = values.back();
        }
        summaries.push_back(std::move(user));
    }
    return summaries;
}

}  // namespace cmdlink::apps
