#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "core/clock.hpp"
#include "core/outbox.hpp"

namespace cmdlink::core {

enum class Verdict {
    kCorrect,         // right word at the command's QoS or above
    kLowQos,          // right word below the command's QoS
    kWrong,           // another word than the table's
    kSurplus,         // right word, but every instance of that command is answered already
    kUnexpected,      // a command this session never sent
    kUnknownSession,  // a session ID this server never issued (or forgot long ago)
    kAfterEnd,        // the session has ended already
};

enum class SessionOutcome { kPassed, kFailed, kAbandoned, kTimedOut, kInterrupted };

std::string_view to_string(Verdict verdict);
std::string_view to_string(SessionOutcome outcome);

struct SessionSummary {
    std::string_view user_id;
    std::string_view session_id;
    SessionOutcome outcome = SessionOutcome::kFailed;
    std::string reason;
    std::uint32_t commands = 0;
    std::uint32_t correct = 0;  // accepted answers, low-QoS ones included
    std::uint32_t low_qos = 0;
    std::uint32_t wrong = 0;
    std::uint32_t surplus = 0;  // surplus and unexpected replies
    TimePoint login_at;
    TimePoint first_command_at = kNever;
    TimePoint ended_at;
};

// What the issuing side records; views live as long as the batch that carries them.
namespace server_event {
// One refused login; or, with `count` above 1, the tally of logins refused for one reason
// within one second beyond the policy's refused_logins_recorded_per_second (`user_id` is then
// empty if they came from several user IDs).
struct LoginRefused {
    std::string_view user_id;
    std::string reason;
    std::uint64_t count = 1;
};
// A new session exists, but its ID waits for Issuer::announce(); `repeated`: the same user
// logged in again before any command, and hears the same ID again (announced already).
struct SessionIssued {
    std::string_view user_id;
    std::string_view session_id;
    bool repeated;
};
// The session's ID was published to its device; its delay and timeout run from now.
struct SessionAnnounced {
    std::string_view user_id;
    std::string_view session_id;
};
struct CommandSent {
    std::string_view session_id;
    std::string_view command;
    int qos;
    std::uint32_t index;
    // Published again after a restart, as the same command `index`: the ledger has it already.
    bool resent = false;
};
struct ReplyChecked {
    std::string_view session_id;
    std::string_view command;
    std::string_view word;
    int qos;
    Verdict verdict;
    Duration latency;  // from the command it answers; zero when it answers none
};
struct SessionEnded {
    SessionSummary summary;
};
struct MessageIgnored {
    std::string_view topic;
    std::string reason;
};
// Every subscription made by Issuer::start() is acknowledged: no login can be missed now.
struct Ready {};
// The broker refused one of the Issuer's subscriptions: the server cannot work (it would
// look ready and hear nothing), so every session ends and it disconnects.
struct SubscriptionRefused {
    std::string_view topic;
    std::string reason;
};
}  // namespace server_event

using ServerEvent = std::variant<
    server_event::LoginRefused, server_event::SessionIssued, server_event::SessionAnnounced,
    server_event::CommandSent, server_event::ReplyChecked, server_event::SessionEnded,
    server_event::MessageIgnored, server_event::Ready, server_event::SubscriptionRefused>;

// Re-points an event's views into `arena`, for an Outbox<ServerEvent>.
void keep_text(server_event::LoginRefused& event, TextArena& arena);
void keep_text(server_event::SessionIssued& event, TextArena& arena);
void keep_text(server_event::SessionAnnounced& event, TextArena& arena);
void keep_text(server_event::CommandSent& event, TextArena& arena);
void keep_text(server_event::ReplyChecked& event, TextArena& arena);
void keep_text(server_event::SessionEnded& event, TextArena& arena);
void keep_text(server_event::MessageIgnored& event, TextArena& arena);
void keep_text(server_event::Ready& event, TextArena& arena);
void keep_text(server_event::SubscriptionRefused& event, TextArena& arena);

using ServerOutbox = Outbox<ServerEvent>;

}  // namespace cmdlink::core
