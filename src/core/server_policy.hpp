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
    // At max_sessions, a login takes the place of the session that has waited longest for an
    // answer to any of its commands, once it has waited this long: a flood of logins that
    // never answer cannot keep the server full after it ends.
    Duration unanswered_evictable_after = std::chrono::seconds(2);
    // Beyond this many surplus or unexpected replies, a session only counts them (in its
    // summary), so that a device repeating a reply cannot fill the ledger.
    std::uint32_t surplus_replies_recorded = 20;
    // Beyond this many refused logins in one second, the rest of that second's are only
    // counted, one tally per reason, so that a login flood cannot fill the ledger or the log.
    std::uint32_t refused_logins_recorded_per_second = 100;
    // The same for replies to sessions unknown or ended: the rest of a second's are counted
    // in one line of the transcript.
    std::uint32_t stray_replies_recorded_per_second = 100;
    std::string login_subscription = "login";
    ReplySubscription replies = ReplySubscription::kWildcard;
    // Replies that come after the end are told apart from replies to unknown sessions
    // for this long after the end.
    Duration ended_retention = std::chrono::minutes(10);
    // At each session's end, its verdict goes to `<user ID>/result` (PROTOCOL.md, "Extension:
    // the verdict for the student"); devices written to the original description never hear it.
    bool feedback = false;
};

// Why a policy cannot run, or nothing.
std::optional<std::string> check_policy(const ServerPolicy& policy);

}  // namespace cmdlink::core
