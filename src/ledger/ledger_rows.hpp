#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>

#include "core/server_events.hpp"

namespace cmdlink::ledger {

// Microseconds since the Unix epoch, UTC: how the ledger stores every time.
using WallMicros = std::int64_t;

WallMicros wall_micros_now();

// Owned copies of the server's events, so they can cross to the writer thread.
namespace row {
struct SessionIssued {
    std::string user_id;
    std::string session_id;
    WallMicros at;
};
struct SessionIdSent {
    std::string session_id;
    WallMicros at;
};
struct CommandSent {
    std::string session_id;
    std::string command;
    int qos;
    std::uint32_t position;
    WallMicros at;
};
struct ReplyChecked {
    std::string session_id;
    std::string command;
    std::string word;
    int qos;
    core::Verdict verdict;
    std::optional<std::int64_t> latency_us;
    WallMicros at;
};
struct SessionEnded {
    std::string session_id;
    core::SessionOutcome outcome;
    std::string reason;
    std::uint32_t commands;
    std::uint32_t correct;
    std::uint32_t low_qos;
    std::uint32_t wrong;
    std::uint32_t surplus;
    WallMicros at;
};
// One refused login, or (count above 1) a second's tally of them for one reason; the user ID
// is empty when the tally covers several.
struct LoginRefused {
    std::string user_id;
    std::string reason;
    WallMicros at;
    std::uint64_t count;
};
// The broker acknowledged the session's `Well done my IoT!`.
struct EndDelivered {
    std::string session_id;
    WallMicros at;
};
}  // namespace row

using LedgerRow =
    std::variant<row::SessionIssued, row::SessionIdSent, row::CommandSent, row::ReplyChecked,
                 row::SessionEnded, row::LoginRefused, row::EndDelivered>;

// The row an event becomes, stamped `at`; nothing for events the ledger does not keep
// (ignored messages, and repeated logins, whose session is recorded already).
std::optional<LedgerRow> to_row(const core::ServerEvent& event, WallMicros at);

}  // namespace cmdlink::ledger
