#include "ledger/previous_run.hpp"

#include <algorithm>
#include <chrono>

#include "core/server_events.hpp"
#include "ledger/ledger_queries.hpp"
#include "ledger/sqlite_database.hpp"

namespace cmdlink::ledger {

core::Result<core::PreviousRun> load_previous_run(const std::string& path,
                                                  core::Duration retention) {
    auto db = SqliteDatabase::open(path, SqliteDatabase::Mode::kReadOnly);
    if (!db) return db.failure();
    auto open = load_open_sessions(db.value());
    if (!open) return core::Error{"cannot read " + path + ": " + open.error()};
    const WallMicros now = wall_micros_now();
    core::PreviousRun previous;
    std::vector<core::RestoredSession>& restored = previous.in_flight;
    restored.reserve(open.value().size());
    for (const SessionRecord& session : open.value()) {
        core::RestoredSession next{session.user_id, session.session_id, {}, {}, {}, {}};
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
            } else if (reply.verdict == core::to_string(core::Verdict::kSurplus) ||
                       reply.verdict == core::to_string(core::Verdict::kUnexpected)) {
                next.surplus.push_back({reply.command, reply.qos});
            } else if (reply.verdict == core::to_string(core::Verdict::kWrong)) {
                next.wrong.push_back({reply.command, reply.qos});
            }
        }
        restored.push_back(std::move(next));
    }
    const auto retention_us = std::chrono::duration_cast<std::chrono::microseconds>(retention);
    auto ended = load_ended_since(db.value(), now - retention_us.count());
    if (!ended) return core::Error{"cannot read " + path + ": " + ended.error()};
    for (const EndedRecord& record : ended.value()) {
        previous.recently_ended.push_back(
            {record.session_id,
             std::chrono::microseconds(std::max<WallMicros>(now - record.ended, 0)),
             record.end_undelivered});
    }
    return previous;
}

core::Result<std::vector<std::string>> load_issued_session_ids(const std::string& path) {
    auto db = SqliteDatabase::open(path, SqliteDatabase::Mode::kReadOnly);
    if (!db) return db.failure();
    auto ids = load_session_ids(db.value());
    if (!ids) return core::Error{"cannot read " + path + ": " + ids.error()};
    return ids;
}

}  // namespace cmdlink::ledger
