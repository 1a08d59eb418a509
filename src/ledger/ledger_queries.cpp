#include "ledger/ledger_queries.hpp"

#include <limits>

namespace cmdlink::ledger {
namespace {

constexpr const char* kSessionColumns =
    "SELECT s.session_id, s.user_id, s.login_us, s.id_sent_us, s.first_command_us, s.end_us, "
    "coalesce(s.outcome, ''), coalesce(s.reason, ''), "
    "(SELECT count(*) FROM commands c WHERE c.session_id = s.session_id), "
    "coalesce(s.low_qos, 0), coalesce(s.surplus, 0) FROM sessions s ";

constexpr const char* kReplyColumns =
    "SELECT coalesce(s.user_id, ''), r.session_id, r.command, r.word, r.qos, r.verdict, "
    "r.latency_us, r.arrived_us FROM replies r LEFT JOIN sessions s USING (session_id) ";

SessionRecord session_from(const Statement& row) {
    return {row.text(0),
            row.text(1),
            row.integer(2),
            row.optional_integer(3),
            row.optional_integer(4),
            row.optional_integer(5),
            row.text(6),
            row.text(7),
            row.integer(8),
            row.integer(9),
            row.integer(10)};
}

ReplyRecord reply_from(const Statement& row) {
    return {row.text(0),
            row.text(1),
            row.text(2),
            row.text(3),
            static_cast<int>(row.integer(4)),
            row.text(5),
            row.optional_integer(6),
            row.integer(7)};
}

template <class Record, class Convert>
core::Result<std::vector<Record>> collect(SqliteDatabase& db, Statement& statement,
                                          Convert convert) {
    std::vector<Record> records;
    int rc = SQLITE_ROW;
    while ((rc = statement.step()) == SQLITE_ROW) records.push_back(convert(statement));
    if (rc != SQLITE_DONE) return core::Error{db.last_error()};
    return records;
}

// ?1 user ID or NULL, ?2 lower time bound.
void bind_filter(Statement& statement, const LedgerFilter& filter) {
    if (filter.user_id) statement.bind(1, *filter.user_id);
    statement.bind(2, filter.since.value_or(std::numeric_limits<WallMicros>::min()));
}

}  // namespace

core::Result<std::vector<SessionRecord>> load_sessions(SqliteDatabase& db,
                                                       const LedgerFilter& filter) {
    auto statement = db.prepare(std::string(kSessionColumns) +
                                "WHERE (?1 IS NULL OR s.user_id = ?1) AND s.login_us >= ?2 "
                                "ORDER BY s.login_us, s.session_id");
    if (!statement) return statement.failure();
    bind_filter(statement.value(), filter);
    return collect<SessionRecord>(db, statement.value(), session_from);
}

core::Result<std::vector<ReplyRecord>> load_replies(SqliteDatabase& db,
                                                    const LedgerFilter& filter) {
    auto statement =
        db.prepare(std::string(kReplyColumns) +
                   "WHERE (s.session_id IS NOT NULL AND (?1 IS NULL OR s.user_id = ?1) AND "
                   "s.login_us >= ?2) OR (s.session_id IS NULL AND ?1 IS NULL AND "
                   "r.arrived_us >= ?2) ORDER BY r.arrived_us, r.id");
    if (!statement) return statement.failure();
    bind_filter(statement.value(), filter);
    return collect<ReplyRecord>(db, statement.value(), reply_from);
}

core::Result<std::vector<RefusedLogins>> load_refused_logins(SqliteDatabase& db,
                                                             const LedgerFilter& filter) {
    // A version 1 ledger has one row per refusal and no `count` column.
    auto has_count =
        db.prepare("SELECT count(*) FROM pragma_table_info('refused_logins') WHERE name = 'count'");
    if (!has_count) return has_count.failure();
    if (has_count.value().step() != SQLITE_ROW) return core::Error{db.last_error()};
    const bool tallied = has_count.value().integer(0) > 0;
    // The newest row's reason: SQLite takes a bare column from the row that gave max().
    auto statement =
        db.prepare(std::string("SELECT user_id, ") + (tallied ? "sum(count)" : "count(*)") +
                   ", reason, max(id) FROM refused_logins "
                   "WHERE (?1 IS NULL OR user_id = ?1) AND at_us >= ?2 "
                   "GROUP BY user_id ORDER BY user_id");
    if (!statement) return statement.failure();
    bind_filter(statement.value(), filter);
    return collect<RefusedLogins>(db, statement.value(), [](const Statement& row) {
        return RefusedLogins{row.text(0), static_cast<std::uint64_t>(row.integer(1)), row.text(2)};
    });
}

core::Result<std::vector<SessionRecord>> load_open_sessions(SqliteDatabase& db) {
    auto statement = db.prepare(std::string(kSessionColumns) +
                                "WHERE s.end_us IS NULL ORDER BY s.login_us, s.session_id");
    if (!statement) return statement.failure();
    return collect<SessionRecord>(db, statement.value(), session_from);
}

core::Result<std::vector<EndedRecord>> load_ended_since(SqliteDatabase& db, WallMicros since) {
    auto statement = db.prepare(
        "SELECT session_id, end_us, outcome = 'passed' AND end_delivered_us IS NULL "
        "FROM sessions WHERE end_us >= ?1 ORDER BY end_us");
    if (!statement) return statement.failure();
    statement.value().bind(1, since);
    return collect<EndedRecord>(db, statement.value(), [](const Statement& row) {
        return EndedRecord{row.text(0), row.integer(1), row.integer(2) != 0};
    });
}

core::Result<std::vector<std::string>> load_session_ids(SqliteDatabase& db) {
    auto statement = db.prepare("SELECT session_id FROM sessions");
    if (!statement) return statement.failure();
    return collect<std::string>(db, statement.value(),
                                [](const Statement& row) { return row.text(0); });
}

core::Result<std::vector<CommandRecord>> load_commands(SqliteDatabase& db,
                                                       const std::string& session_id) {
    auto statement = db.prepare(
        "SELECT session_id, position, command, qos, sent_us FROM commands "
        "WHERE session_id = ?1 ORDER BY position");
    if (!statement) return statement.failure();
    statement.value().bind(1, session_id);
    return collect<CommandRecord>(db, statement.value(), [](const Statement& row) {
        return CommandRecord{row.text(0), static_cast<std::uint32_t>(row.integer(1)), row.text(2),
                             static_cast<int>(row.integer(3)), row.integer(4)};
    });
}

core::Result<std::vector<ReplyRecord>> load_session_replies(SqliteDatabase& db,
                                                            const std::string& session_id) {
    auto statement =
        db.prepare(std::string(kReplyColumns) + "WHERE r.session_id = ?1 ORDER BY r.id");
    if (!statement) return statement.failure();
    statement.value().bind(1, session_id);
    return collect<ReplyRecord>(db, statement.value(), reply_from);
}

}  // namespace cmdlink::ledger
