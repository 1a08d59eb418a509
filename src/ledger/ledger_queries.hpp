#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/result.hpp"
#include "ledger/ledger_rows.hpp"
#include "ledger/sqlite_database.hpp"

namespace cmdlink::ledger {

struct LedgerFilter {
    std::optional<std::string> user_id;
    std::optional<WallMicros> since;  // sessions that logged in at or after it
};

struct SessionRecord {
    std::string session_id;
    std::string user_id;
    WallMicros login = 0;
    std::optional<WallMicros> id_sent;
    std::optional<WallMicros> first_command;
    std::optional<WallMicros> ended;
    std::string outcome;  // empty while in flight
    std::string reason;
    std::int64_t commands_sent = 0;
    // From the session's end (0 while in flight): replies below their command's QoS, and
    // replies beyond the commands (which QoS 1 redelivery may cause).
    std::int64_t low_qos = 0;
    std::int64_t surplus = 0;
};

struct ReplyRecord {
    std::string user_id;  // empty for a session this server never issued
    std::string session_id;
    std::string command;
    std::string word;
    int qos = 0;
    std::string verdict;
    std::optional<std::int64_t> latency_us;
    WallMicros arrived = 0;
};

struct CommandRecord {
    std::string session_id;
    std::uint32_t position = 0;
    std::string command;
    int qos = 0;
    WallMicros sent = 0;
};

// In login order.
core::Result<std::vector<SessionRecord>> load_sessions(SqliteDatabase& db,
                                                       const LedgerFilter& filter);
// In arrival order; replies to unknown sessions only when no user ID is asked for, and then
// filtered by their own arrival time.
core::Result<std::vector<ReplyRecord>> load_replies(SqliteDatabase& db, const LedgerFilter& filter);
// Refused logins per user ID (the tallies without one under the empty ID), at or after the
// filter's time, ordered by user ID.
struct RefusedLogins {
    std::string user_id;
    std::uint64_t count = 0;
    std::string last_reason;
};
core::Result<std::vector<RefusedLogins>> load_refused_logins(SqliteDatabase& db,
                                                             const LedgerFilter& filter);
// Sessions that have no end yet: what a server left in flight when it died.
core::Result<std::vector<SessionRecord>> load_open_sessions(SqliteDatabase& db);
// The sessions that ended at or after `since`, with their end times, oldest first.
struct EndedRecord {
    std::string session_id;
    WallMicros ended = 0;
    // Passed, but the broker never acknowledged its end.
    bool end_undelivered = false;
};
core::Result<std::vector<EndedRecord>> load_ended_since(SqliteDatabase& db, WallMicros since);
// Every session ID the ledger has a session row for: issued once, never to be issued again.
core::Result<std::vector<std::string>> load_session_ids(SqliteDatabase& db);
// The commands and replies of one session, in order.
core::Result<std::vector<CommandRecord>> load_commands(SqliteDatabase& db,
                                                       const std::string& session_id);
core::Result<std::vector<ReplyRecord>> load_session_replies(SqliteDatabase& db,
                                                            const std::string& session_id);

}  // namespace cmdlink::ledger
