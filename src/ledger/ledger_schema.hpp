#pragma once

#include <string>

#include "core/result.hpp"
#include "ledger/sqlite_database.hpp"

namespace cmdlink::ledger {

// Stored in `PRAGMA user_version`. Version 2 added `sessions.end_delivered_us` (the broker
// acknowledged the end) and `refused_logins.count` (a second's tally of refused logins is one
// row). A version 1 ledger is upgraded when the server opens it (see ledger_schema.cpp) and
// read as it is; any other version is refused, never migrated silently.
inline constexpr int kLedgerSchemaVersion = 2;
inline constexpr int kUpgradableLedgerSchemaVersion = 1;

// Opens the ledger for the server, creating it (and its schema) when the file does not exist.
// Fails with a message naming the file for a read-only file or directory, a file that is not
// SQLite, a corrupt database, or another schema version.
core::Result<SqliteDatabase> open_ledger_for_writing(const std::string& path);

// Opens an existing ledger read-only (for `results` and for reloading sessions); never creates
// a file.
core::Result<SqliteDatabase> open_ledger_for_reading(const std::string& path);

}  // namespace cmdlink::ledger
