#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "core/clock.hpp"
#include "core/command_table.hpp"

namespace cmdlink::core {

enum class Pacing { kBurst, kLockstep };

// How the server hears replies. One `+/+` wildcard is simplest, but in a shared group it also
// delivers the replies meant for the other servers' sessions, which this server would record
// as replies to unknown sessions. Per session, the server subscribes `<session ID>/+` before
// it announces the ID and unsubscribes when the session ends: it hears only its own sessions,
// for one SUBSCRIBE and one UNSUBSCRIBE round trip per session.
enum class ReplySubscription { kWildcard, kPerSession };

struct ServerPolicy {
    CommandTable table = CommandTable::course_default();
    Duration delay = std::chrono::seconds(3);
    std::uint32_t min_commands = 3;
    std::uint32_t max_commands = 11;
    std::optional<int> qos = 1;  // nothing: a random QoS for each command
    Pacing pacing = Pacing::kBurst;
    Duration session_timeout = std::chrono::seconds(30);
    bool strict = false;
    std::size_t max_sessions = 0;  // 0: no limit
    std::string login_subscription = "login";
    ReplySubscription replies = ReplySubscription::kWildcard;
    // Replies that come after the end are told apart from replies to unknown sessions
    // for this long after the end.
    Duration ended_retention = std::chrono::minutes(10);
};

// Why a policy cannot run, or nothing.
std::optional<std::string> check_policy(const ServerPolicy& policy);

}  // namespace cmdlink::core
