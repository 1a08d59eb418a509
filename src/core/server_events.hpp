#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "core/clock.hpp"

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

// What the issuing side records; views live only during the call.
namespace server_event {
struct LoginRefused {
    std::string_view user_id;
    std::string reason;
};
struct SessionIssued {
    std::string_view user_id;
    std::string_view session_id;
    bool repeated;  // the same user logged in again before any command: same ID again
};
struct CommandSent {
    std::string_view session_id;
    std::string_view command;
    int qos;
    std::uint32_t index;
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
    const SessionSummary& summary;
};
struct MessageIgnored {
    std::string_view topic;
    std::string reason;
};
}  // namespace server_event

using ServerEvent = std::variant<server_event::LoginRefused, server_event::SessionIssued,
                                 server_event::CommandSent, server_event::ReplyChecked,
                                 server_event::SessionEnded, server_event::MessageIgnored>;

}  // namespace cmdlink::core
