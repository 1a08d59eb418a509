#pragma once

#include "core/result.hpp"
#include "ledger/ledger_rows.hpp"
#include "ledger/sqlite_database.hpp"

namespace cmdlink::ledger {

// The prepared statements that put each kind of row into the ledger; the caller owns the
// transaction around them.
class RowStatements {
  public:
    static core::Result<RowStatements> prepare(SqliteDatabase& db);

    core::Result<bool> write(const LedgerRow& row);

  private:
    explicit RowStatements(SqliteDatabase& db) : db_(&db) {}

    core::Result<bool> run(Statement& statement);
    core::Result<bool> write(const row::SessionIssued& row);
    core::Result<bool> write(const row::SessionIdSent& row);
    core::Result<bool> write(const row::CommandSent& row);
    core::Result<bool> write(const row::ReplyChecked& row);
    core::Result<bool> write(const row::SessionEnded& row);
    core::Result<bool> write(const row::LoginRefused& row);
    core::Result<bool> write(const row::EndDelivered& row);

    SqliteDatabase* db_;
    Statement insert_session_;
    Statement mark_id_sent_;
    Statement insert_command_;
    Statement mark_first_command_;
    Statement insert_reply_;
    Statement end_session_;
    Statement insert_refused_login_;
    Statement mark_end_delivered_;
};

}  // namespace cmdlink::ledger
