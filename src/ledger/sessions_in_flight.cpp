#include "ledger/sessions_in_flight.hpp"

#include <chrono>

#include "core/server_events.hpp"
#include "ledger/ledger_queries.hpp"
#include "ledger/sqlite_database.hpp"

namespace cmdlink::ledger {

core::Result<std::vector<core::RestoredSession>> load_sessions_in_flight(const std::string& path) {
    auto db = SqliteDatabase::open(path, SqliteDatabase::Mode::kReadOnly);
    if (!db) return core::Error{db.error()};
    auto open = load_open_sessions(db.value());
    if (!open) return core::Error{"cannot read " + path + ": " + open.error()};
    const WallMicros now = wall_micros_now();
    std::vector<core::RestoredSession> restored;
    restored.reserve(open.value().size());
    for (const SessionRecord& session : open.value()) {
        core::RestoredSession next{session.user_id, session.session_id, {}, {}};
        auto commands = load_commands(db.value(), session.session_id);
        if (!commands) return core::Error{"cannot read " + path + ": " + commands.error()};
        for (const CommandRecord& command : commands.value()) {
            next.sent.push_back(
                {command.command, command.qos, std::chrono::microseconds(now - command.sent)});
        }
        auto replies = load_session_replies(db.value(), session.session_id);
        if (!replies) return core::Error{"cannot read " + path + ": " + replies.error()};
        for (const ReplyRecord& reply : replies.value()) {
            if (reply.verdict == core::to_string(core::Verdict::kCorrect) ||
                reply.verdict == core::to_string(core::Verdict::kLowQos)) {
                next.answers.push_back({reply.command, reply.qos});
            }
        }
        restored.push_back(std::move(next));
    }
    return restored;
}

}  // namespace cmdlink::ledger
