#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ledger/ledger_queries.hpp"

namespace cmdlink::apps {

// What an instructor reads per user: did they pass at least once, and how did they do.
struct UserSummary {
    std::string user_id;
    std::string best_outcome;  // passed > failed > timed_out > abandoned > interrupted > in_flight
    std::uint64_t attempts = 0;
    std::uint64_t passed = 0;
    std::uint64_t commands = 0;
    std::uint64_t replies = 0;
    std::optional<std::int64_t> latency_p50_us;  // over the replies that answered a command
    std::optional<std::int64_t> latency_max_us;
};

// The outcome of a session as `results` shows it: the ledger's, or `in_flight` without one.
std::string shown_outcome(const ledger::SessionRecord& session);

// One summary per user, ordered by user ID; replies to unknown sessions count for nobody.
std::vector<UserSummary> summarize_users(const std::vector<ledger::SessionRecord>& sessions,
                                         const std::vector<ledger::ReplyRecord>& replies);

}  // namespace cmdlink::apps
