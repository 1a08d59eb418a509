#pragma once

#include <string>

#include "core/result.hpp"
#include "ledger/sqlite_database.hpp"

namespace cmdlink::ledger {

// Stored in `PRAGMA user_version`. The server upgrades a version 1 ledger to 2 when it opens
// it for writing (one added column, see ledger_schema.cpp); any other version is refused,
// never migrated.
inline constexpr int kLedgerSchemaVersion = 2;

// Opens the ledger for the server, creating it (and its schema) when the file does not exist.
// Fails with a message naming the file for a read-only file or directory, a file that is not
// SQLite, a corrupt database, or another schema version.
core::Result<SqliteDatabase> open_ledger_for_writing(const std::string& path);

// Opens an existing ledger read-only (for `results` and for reloading sessions); never creates
// a file.
core::Result<SqliteDatabase> open_ledger_for_reading(const std::string& path);

}  // namespace cmdlink::ledger
