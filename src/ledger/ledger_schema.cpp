#include "ledger/ledger_schema.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <filesystem>

namespace cmdlink::ledger {
namespace {

// Times are integer microseconds since the Unix epoch (UTC), taken from the wall clock when
// the server records an event: exact, sortable, and cheap to compare in SQL. `results` prints
// them as ISO-8601.
constexpr const char* kSchema = R"sql(
CREATE TABLE sessions (
    session_id       TEXT PRIMARY KEY,
    user_id          TEXT NOT NULL,
    login_us         INTEGER NOT NULL,
    id_sent_us       INTEGER,
    first_command_us INTEGER,
    end_us           INTEGER,
    end_delivered_us INTEGER,
    outcome          TEXT,
    reason           TEXT,
    commands         INTEGER,
    correct          INTEGER,
    low_qos          INTEGER,
    wrong            INTEGER,
    surplus          INTEGER
);
CREATE INDEX sessions_by_user ON sessions (user_id, login_us);
CREATE TABLE commands (
    session_id TEXT NOT NULL,
    position   INTEGER NOT NULL,
    command    TEXT NOT NULL,
    qos        INTEGER NOT NULL,
    sent_us    INTEGER NOT NULL,
    PRIMARY KEY (session_id, position)
);
CREATE TABLE replies (
    id         INTEGER PRIMARY KEY,
    session_id TEXT NOT NULL,
    command    TEXT NOT NULL,
    word       TEXT NOT NULL,
    qos        INTEGER NOT NULL,
    verdict    TEXT NOT NULL,
    latency_us INTEGER,
    arrived_us INTEGER NOT NULL
);
CREATE INDEX replies_by_session ON replies (session_id);
CREATE TABLE refused_logins (
    id      INTEGER PRIMARY KEY,
    user_id TEXT NOT NULL,
    reason  TEXT NOT NULL,
    at_us   INTEGER NOT NULL,
    count   INTEGER NOT NULL DEFAULT 1
);
)sql";

// From version 1: passed sessions count as delivered (nothing recorded otherwise, and
// publishing their ends again would only confuse devices), and a row of refused_logins may
// stand for several logins (a second's tally).
constexpr const char* kUpgradeFromVersion1 = R"sql(
ALTER TABLE sessions ADD COLUMN end_delivered_us INTEGER;
UPDATE sessions SET end_delivered_us = end_us WHERE outcome = 'passed';
ALTER TABLE refused_logins ADD COLUMN count INTEGER NOT NULL DEFAULT 1;
)sql";

core::Result<int> read_integer_pragma(SqliteDatabase& db, const std::string& pragma) {
    auto statement = db.prepare("PRAGMA " + pragma);
    if (!statement) return statement.failure();
    if (statement.value().step() != SQLITE_ROW) return core::Error{db.last_error()};
    return static_cast<int>(statement.value().integer(0));
}

core::Result<bool> check_integrity(SqliteDatabase& db) {
    // quick_check reads every page, so a torn or overwritten file is found at start rather
    // than halfway through a course; it is linear in the file size, which is fine at start.
    auto statement = db.prepare("PRAGMA quick_check");
    if (!statement) return statement.failure();
    const int rc = statement.value().step();
    if (rc != SQLITE_ROW) return core::Error{db.last_error()};
    if (const std::string verdict = statement.value().text(0); verdict != "ok") {
        return core::Error{"the database is corrupt (" + verdict + ")"};
    }
    return true;
}

core::Result<int> table_count(SqliteDatabase& db) {
    auto statement = db.prepare("SELECT count(*) FROM sqlite_schema");
    if (!statement) return statement.failure();
    if (statement.value().step() != SQLITE_ROW) return core::Error{db.last_error()};
    return static_cast<int>(statement.value().integer(0));
}

// Integrity first: on a file that is not SQLite at all, every later question fails anyway.
core::Result<int> check_version(SqliteDatabase& db) {
    if (auto checked = check_integrity(db); !checked) return checked.failure();
    auto version = read_integer_pragma(db, "user_version");
    if (!version) return version.failure();
    if (version.value() == kLedgerSchemaVersion ||
        version.value() == kUpgradableLedgerSchemaVersion) {
        return version;
    }
    if (version.value() == 0) {
        auto tables = table_count(db);
        if (!tables) return tables.failure();
        if (tables.value() == 0) return 0;
        return core::Error{"it is an SQLite database, but not a cmdlink ledger"};
    }
    return core::Error{"schema version " + std::to_string(version.value()) +
                       ", but this cmdlink reads version " + std::to_string(kLedgerSchemaVersion)};
}

// A new ledger is created empty (a valid SQLite database) with mode 0600 before SQLite opens
// it: it names every student, and SQLite gives its -wal and -shm files the database's mode.
// An existing file keeps the mode its owner gave it.
// When the open fails (EEXIST: it is there already; anything else), SQLite's own open that
// follows reports what is wrong, in the words of the ledger's other errors.
void create_private_file(const std::string& path) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) ::close(fd);
}

core::Result<SqliteDatabase> fail(const std::string& path, const std::string& why) {
    return core::Error{"unusable ledger " + path + ": " + why};
}

core::Result<bool> configure_for_writing(SqliteDatabase& db, int version) {
    const bool fresh = version == 0;
    // A reader (`results`) may hold the lock for a moment; wait rather than fail.
    if (auto done = db.execute("PRAGMA busy_timeout = 5000"); !done) return done;
    // WAL: readers never block the writer, and a commit is one append to the -wal file.
    auto mode = db.prepare("PRAGMA journal_mode = WAL");
    if (!mode) return mode.failure();
    if (mode.value().step() != SQLITE_ROW || mode.value().text(0) != "wal") {
        return core::Error{"cannot switch to WAL mode: " + db.last_error()};
    }
    mode.value().reset();
    // NORMAL in WAL mode: COMMIT returns once the transaction is written to the -wal file
    // through write(2), i.e. in the kernel's page cache. SIGKILL ends only the process, not
    // the kernel, so every committed row survives it (and a torn last frame is discarded by
    // its checksum on the next open). Only a power loss or kernel crash can drop the last
    // few commits since the previous checkpoint; FULL would close that gap with one fsync per
    // batch, which we do not pay on a machine shared with the broker.
    if (auto done = db.execute("PRAGMA synchronous = NORMAL"); !done) return done;
    // Writing the header here proves at start that the file and its directory are writable.
    if (auto done = db.execute("BEGIN IMMEDIATE"); !done) return done;
    if (fresh || version == kUpgradableLedgerSchemaVersion) {
        if (auto done = db.execute(fresh ? kSchema : kUpgradeFromVersion1); !done) {
            static_cast<void>(db.execute("ROLLBACK"));
            return done;
        }
    }
    if (auto done = db.execute("PRAGMA user_version = " + std::to_string(kLedgerSchemaVersion));
        !done) {
        static_cast<void>(db.execute("ROLLBACK"));
        return done;
    }
    return db.execute("COMMIT");
}

}  // namespace

core::Result<SqliteDatabase> open_ledger_for_writing(const std::string& path) {
    create_private_file(path);
    auto opened = SqliteDatabase::open(path, SqliteDatabase::Mode::kReadWriteCreate);
    if (!opened) return opened.failure();
    SqliteDatabase& db = opened.value();
    if (sqlite3_db_readonly(db.handle(), "main") == 1) return fail(path, "the file is read-only");
    auto version = check_version(db);
    if (!version) return fail(path, version.error());
    if (auto configured = configure_for_writing(db, version.value()); !configured) {
        return fail(path, configured.error());
    }
    return opened;
}

core::Result<SqliteDatabase> open_ledger_for_reading(const std::string& path) {
    std::error_code error;
    if (!std::filesystem::is_regular_file(path, error)) {
        return fail(path, "no such file");
    }
    auto opened = SqliteDatabase::open(path, SqliteDatabase::Mode::kReadOnly);
    if (!opened) return opened.failure();
    SqliteDatabase& db = opened.value();
    static_cast<void>(db.execute("PRAGMA busy_timeout = 5000"));
    auto version = check_version(db);
    if (!version) return fail(path, version.error());
    // A version 1 ledger reads the same, but for the end deliveries only the server uses.
    if (version.value() == 0) return fail(path, "it has no cmdlink schema");
    return opened;
}

}  // namespace cmdlink::ledger
