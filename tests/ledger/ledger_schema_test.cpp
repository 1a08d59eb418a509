#include "ledger/ledger_schema.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "ledger/ledger_writer.hpp"
#include "ledger_test_support.hpp"

namespace cmdlink::ledger {
namespace {

using LedgerSchema = LedgerFileTest;

void write_bytes(const std::string& path, const std::string& bytes, std::streamoff at = 0) {
    std::fstream out(path, std::ios::in | std::ios::out | std::ios::binary);
    if (!out) out.open(path, std::ios::out | std::ios::binary);
    out.seekp(at);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

int user_version(const std::string& path) {
    auto db = SqliteDatabase::open(path, SqliteDatabase::Mode::kReadOnly);
    EXPECT_TRUE(db.ok());
    auto statement = db.value().prepare("PRAGMA user_version");
    EXPECT_TRUE(statement.ok());
    EXPECT_EQ(statement.value().step(), SQLITE_ROW);
    return static_cast<int>(statement.value().integer(0));
}

TEST_F(LedgerSchema, ANewFileGetsTheSchemaItsVersionAndWal) {
    const std::string path = file("new.db");
    auto db = open_ledger_for_writing(path);
    ASSERT_TRUE(db.ok()) << db.error();
    auto mode = db.value().prepare("PRAGMA journal_mode");
    ASSERT_TRUE(mode.ok());
    ASSERT_EQ(mode.value().step(), SQLITE_ROW);
    EXPECT_EQ(mode.value().text(0), "wal");
    EXPECT_EQ(user_version(path), kLedgerSchemaVersion);
    for (const char* table : {"sessions", "commands", "replies", "refused_logins"}) {
        EXPECT_TRUE(db.value().execute(std::string("SELECT * FROM ") + table).ok()) << table;
    }
}

TEST_F(LedgerSchema, AnExistingLedgerOpensAgain) {
    const std::string path = file("again.db");
    ASSERT_TRUE(open_ledger_for_writing(path).ok());
    auto again = open_ledger_for_writing(path);
    EXPECT_TRUE(again.ok()) << again.error();
    EXPECT_TRUE(open_ledger_for_reading(path).ok());
}

TEST_F(LedgerSchema, ReadingNeverCreatesAFile) {
    const std::string path = file("absent.db");
    auto db = open_ledger_for_reading(path);
    ASSERT_FALSE(db.ok());
    EXPECT_NE(db.error().find("no such file"), std::string::npos) << db.error();
    EXPECT_FALSE(std::filesystem::exists(path));
}

TEST_F(LedgerSchema, AFileThatIsNotSqliteIsRefused) {
    const std::string path = file("notes.db");
    write_bytes(path, std::string(8192, 'x'));
    auto db = open_ledger_for_writing(path);
    ASSERT_FALSE(db.ok());
    EXPECT_NE(db.error().find("not a database"), std::string::npos) << db.error();
    EXPECT_NE(db.error().find(path), std::string::npos) << db.error();
    EXPECT_FALSE(open_ledger_for_reading(path).ok());
}

TEST_F(LedgerSchema, ACorruptLedgerIsRefused) {
    const std::string path = file("corrupt.db");
    {
        auto writer = LedgerWriter::open(path);
        ASSERT_TRUE(writer.ok()) << writer.error();
        for (int i = 0; i < 2000; ++i) {
            writer.value()->record(
                row::LoginRefused{"user" + std::to_string(i), std::string(100, 'r'), i, 1});
        }
        ASSERT_TRUE(writer.value()->close().ok());
    }
    // Reopening checkpoints the WAL into the main file, so the garbage lands on real pages.
    ASSERT_TRUE(open_ledger_for_writing(path).ok());
    ASSERT_GT(std::filesystem::file_size(path), 40000U);
    write_bytes(path, std::string(12000, '\x5a'), 16384);
    auto writing = open_ledger_for_writing(path);
    ASSERT_FALSE(writing.ok());
    EXPECT_NE(writing.error().find("unusable ledger"), std::string::npos) << writing.error();
    auto reading = open_ledger_for_reading(path);
    ASSERT_FALSE(reading.ok());
    EXPECT_NE(reading.error().find("corrupt"), std::string::npos) << reading.error();
}

TEST_F(LedgerSchema, AnotherApplicationsDatabaseIsRefused) {
    const std::string path = file("other.db");
    {
        auto db = SqliteDatabase::open(path, SqliteDatabase::Mode::kReadWriteCreate);
        ASSERT_TRUE(db.ok());
        ASSERT_TRUE(db.value().execute("CREATE TABLE notes (text TEXT)").ok());
    }
    auto db = open_ledger_for_writing(path);
    ASSERT_FALSE(db.ok());
    EXPECT_NE(db.error().find("not a cmdlink ledger"), std::string::npos) << db.error();
}

TEST_F(LedgerSchema, AnotherSchemaVersionIsRefused) {
    const std::string path = file("future.db");
    ASSERT_TRUE(open_ledger_for_writing(path).ok());
    {
        auto db = SqliteDatabase::open(path, SqliteDatabase::Mode::kReadWriteCreate);
        ASSERT_TRUE(db.ok());
        ASSERT_TRUE(db.value().execute("PRAGMA user_version = 99").ok());
    }
    auto db = open_ledger_for_writing(path);
    ASSERT_FALSE(db.ok());
    EXPECT_NE(db.error().find("schema version 99"), std::string::npos) << db.error();
    EXPECT_FALSE(open_ledger_for_reading(path).ok());
}

std::int64_t integer_query(const std::string& path, const std::string& sql) {
    auto db = SqliteDatabase::open(path, SqliteDatabase::Mode::kReadOnly);
    EXPECT_TRUE(db.ok());
    auto statement = db.value().prepare(sql);
    EXPECT_TRUE(statement.ok()) << sql;
    EXPECT_EQ(statement.value().step(), SQLITE_ROW) << sql;
    return statement.value().integer(0);
}

TEST_F(LedgerSchema, AVersion1LedgerIsReadAsItIsAndUpgradedWhenOpenedForWriting) {
    const std::string path = file("v1.db");
    ASSERT_TRUE(open_ledger_for_writing(path).ok());
    {
        // Version 1 had neither the count column nor end_delivered_us.
        auto db = SqliteDatabase::open(path, SqliteDatabase::Mode::kReadWriteCreate);
        ASSERT_TRUE(db.ok());
        ASSERT_TRUE(db.value().execute("ALTER TABLE refused_logins DROP COLUMN count").ok());
        ASSERT_TRUE(db.value().execute("ALTER TABLE sessions DROP COLUMN end_delivered_us").ok());
        ASSERT_TRUE(db.value()
                        .execute("INSERT INTO refused_logins (user_id, reason, at_us) "
                                 "VALUES ('a/b', 'contains /', 5)")
                        .ok());
        ASSERT_TRUE(db.value().execute("PRAGMA user_version = 1").ok());
    }
    EXPECT_TRUE(open_ledger_for_reading(path).ok());
    EXPECT_EQ(user_version(path), 1);
    auto upgraded = open_ledger_for_writing(path);
    ASSERT_TRUE(upgraded.ok()) << upgraded.error();
    EXPECT_EQ(user_version(path), kLedgerSchemaVersion);
    EXPECT_EQ(integer_query(path, "SELECT count FROM refused_logins WHERE user_id = 'a/b'"), 1);
}

TEST_F(LedgerSchema, ATallyOfRefusedLoginsIsOneRowThatKeepsItsCount) {
    const std::string path = file("tally.db");
    auto writer = LedgerWriter::open(path);
    ASSERT_TRUE(writer.ok()) << writer.error();
    writer.value()->record(row::LoginRefused{"", "the server is at its limit", 10, 9876});
    writer.value()->record(row::LoginRefused{"$SYS", "user ID starts with '$'", 11, 1});
    ASSERT_TRUE(writer.value()->close().ok());
    EXPECT_EQ(integer_query(path, "SELECT count(*) FROM refused_logins"), 2);
    EXPECT_EQ(integer_query(path, "SELECT sum(count) FROM refused_logins"), 9877);
}

// Whether opening `path` for writing fails with a read-only error, tried as user `nobody`:
// root writes to files whatever their mode, so as root the check runs in a child process
// that has given root up.
bool refused_as_read_only_by_nobody(const std::string& path) {
    constexpr uid_t kNobody = 65534;
    const pid_t child = ::fork();
    if (child == 0) {
        if (::setgid(kNobody) != 0 || ::setuid(kNobody) != 0) ::_exit(3);
        auto db = open_ledger_for_writing(path);
        ::_exit(!db.ok() && db.error().find("read-only") != std::string::npos ? 0 : 1);
    }
    int status = 0;
    if (child < 0 || ::waitpid(child, &status, 0) != child) return false;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

TEST_F(LedgerSchema, AReadOnlyFileIsRefusedForWriting) {
    const std::string path = file("readonly.db");
    ASSERT_TRUE(open_ledger_for_writing(path).ok());
    ASSERT_EQ(::chmod(path.c_str(), 0444), 0);
    if (::geteuid() == 0) {
        const std::string directory = std::filesystem::path(path).parent_path().string();
        ASSERT_EQ(::chmod(directory.c_str(), 0755), 0);
        EXPECT_TRUE(refused_as_read_only_by_nobody(path));
    } else {
        auto db = open_ledger_for_writing(path);
        ASSERT_FALSE(db.ok());
        EXPECT_NE(db.error().find("read-only"), std::string::npos) << db.error();
    }
    EXPECT_TRUE(open_ledger_for_reading(path).ok());
}

TEST_F(LedgerSchema, ALedgerWhereNothingCanBeWrittenIsRefused) {
    // /sys is read-only even for root, so this holds whoever runs the tests.
    const std::string path = "/sys/cmdlink-ledger-test.db";
    auto db = open_ledger_for_writing(path);
    ASSERT_FALSE(db.ok());
    EXPECT_NE(db.error().find(path), std::string::npos) << db.error();
    EXPECT_NE(db.error().find("write"), std::string::npos) << db.error();
}

}  // namespace
}  // namespace cmdlink::ledger

namespace cmdlink::ledger {
namespace {

TEST_F(LedgerSchema, AVersion1LedgerIsUpgradedWithItsPassedEndsCountedAsDelivered) {
    const std::string path = file("v1.db");
    {
        auto db = SqliteDatabase::open(path, SqliteDatabase::Mode::kReadWriteCreate);
        ASSERT_TRUE(db.ok()) << db.error();
        // The two tables version 2 changed, as version 1 had them.
        ASSERT_TRUE(db.value()
                        .execute("CREATE TABLE sessions (session_id TEXT PRIMARY KEY, user_id "
                                 "TEXT NOT NULL, login_us INTEGER NOT NULL, id_sent_us INTEGER, "
                                 "first_command_us INTEGER, end_us INTEGER, outcome TEXT, reason "
                                 "TEXT, commands INTEGER, correct INTEGER, low_qos INTEGER, wrong "
                                 "INTEGER, surplus INTEGER);"
                                 "CREATE TABLE refused_logins (id INTEGER PRIMARY KEY, user_id "
                                 "TEXT NOT NULL, reason TEXT NOT NULL, at_us INTEGER NOT NULL);"
                                 "INSERT INTO sessions (session_id, user_id, login_us, end_us, "
                                 "outcome) VALUES ('p', '1', 10, 20, 'passed'), "
                                 "('f', '2', 10, 30, 'failed');"
                                 "PRAGMA user_version = 1;")
                        .ok());
    }
    EXPECT_TRUE(open_ledger_for_reading(path).ok()) << "results reads a version 1 ledger";
    auto upgraded = open_ledger_for_writing(path);
    ASSERT_TRUE(upgraded.ok()) << upgraded.error();
    EXPECT_EQ(user_version(path), kLedgerSchemaVersion);
    auto ends = upgraded.value().prepare(
        "SELECT session_id, end_delivered_us FROM sessions ORDER BY session_id");
    ASSERT_TRUE(ends.ok()) << ends.error();
    ASSERT_EQ(ends.value().step(), SQLITE_ROW);
    EXPECT_EQ(ends.value().text(0), "f");
    EXPECT_FALSE(ends.value().optional_integer(1).has_value());
    ASSERT_EQ(ends.value().step(), SQLITE_ROW);
    EXPECT_EQ(ends.value().text(0), "p");
    EXPECT_EQ(ends.value().integer(1), 20);
}

}  // namespace
}  // namespace cmdlink::ledger
