#include "ledger/row_statements.hpp"

#include <string>
#include <utility>

namespace cmdlink::ledger {

core::Result<RowStatements> RowStatements::prepare(SqliteDatabase& db) {
    RowStatements statements(db);
    const std::pair<Statement*, const char*> sql[] = {
        {&statements.insert_session_,
         "INSERT OR IGNORE INTO sessions (session_id, user_id, login_us) VALUES (?1, ?2, ?3)"},
        {&statements.mark_id_sent_,
         "UPDATE sessions SET id_sent_us = ?2 WHERE session_id = ?1 AND id_sent_us IS NULL"},
        // A session reloaded after a restart may send its plan again: keep the first.
        {&statements.insert_command_,
         "INSERT OR IGNORE INTO commands (session_id, position, command, qos, sent_us) "
         "VALUES (?1, ?2, ?3, ?4, ?5)"},
        {&statements.mark_first_command_,
         "UPDATE sessions SET first_command_us = ?2 "
         "WHERE session_id = ?1 AND first_command_us IS NULL"},
        {&statements.insert_reply_,
         "INSERT INTO replies (session_id, command, word, qos, verdict, latency_us, arrived_us) "
         "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"},
        {&statements.end_session_,
         "UPDATE sessions SET end_us = ?2, outcome = ?3, reason = ?4, commands = ?5, "
         "correct = ?6, low_qos = ?7, wrong = ?8, surplus = ?9 "
         "WHERE session_id = ?1 AND end_us IS NULL"},
        {&statements.insert_refused_login_,
         "INSERT INTO refused_logins (user_id, reason, at_us, count) VALUES (?1, ?2, ?3, ?4)"},
        {&statements.mark_end_delivered_,
         "UPDATE sessions SET end_delivered_us = ?2 "
         "WHERE session_id = ?1 AND end_delivered_us IS NULL"},
    };
    for (const auto& [statement, text] : sql) {
        auto prepared = db.prepare(text);
        if (!prepared) return prepared.failure();
        *statement = std::move(prepared.value());
    }
    return statements;
}

core::Result<bool> RowStatements::write(const LedgerRow& row) {
    return std::visit([this](const auto& typed) { return write(typed); }, row);
}

core::Result<bool> RowStatements::run(Statement& statement) {
    const int rc = statement.step();
    statement.reset();
    if (rc != SQLITE_DONE) return core::Error{db_->last_error()};
    return true;
}

core::Result<bool> RowStatements::write(const row::SessionIssued& row) {
    return run(insert_session_.bind(1, row.session_id).bind(2, row.user_id).bind(3, row.at));
}

core::Result<bool> RowStatements::write(const row::SessionIdSent& row) {
    return run(mark_id_sent_.bind(1, row.session_id).bind(2, row.at));
}

core::Result<bool> RowStatements::write(const row::CommandSent& row) {
    auto inserted = run(insert_command_.bind(1, row.session_id)
                            .bind(2, std::int64_t{row.position})
                            .bind(3, row.command)
                            .bind(4, std::int64_t{row.qos})
                            .bind(5, row.at));
    if (!inserted || row.position != 0) return inserted;
    return run(mark_first_command_.bind(1, row.session_id).bind(2, row.at));
}

core::Result<bool> RowStatements::write(const row::ReplyChecked& row) {
    return run(insert_reply_.bind(1, row.session_id)
                   .bind(2, row.command)
                   .bind(3, row.word)
                   .bind(4, std::int64_t{row.qos})
                   .bind(5, core::to_string(row.verdict))
                   .bind(6, row.latency_us)
                   .bind(7, row.at));
}

core::Result<bool> RowStatements::write(const row::SessionEnded& row) {
    return run(end_session_.bind(1, row.session_id)
                   .bind(2, row.at)
                   .bind(3, core::to_string(row.outcome))
                   .bind(4, row.reason)
                   .bind(5, std::int64_t{row.commands})
                   .bind(6, std::int64_t{row.correct})
                   .bind(7, std::int64_t{row.low_qos})
                   .bind(8, std::int64_t{row.wrong})
                   .bind(9, std::int64_t{row.surplus}));
}

core::Result<bool> RowStatements::write(const row::LoginRefused& row) {
    return run(insert_refused_login_.bind(1, row.user_id)
                   .bind(2, row.reason)
                   .bind(3, row.at)
                   .bind(4, static_cast<std::int64_t>(row.count)));
}

core::Result<bool> RowStatements::write(const row::EndDelivered& row) {
    return run(mark_end_delivered_.bind(1, row.session_id).bind(2, row.at));
}

}  // namespace cmdlink::ledger
