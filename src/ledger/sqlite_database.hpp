#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace cmdlink::ledger {

struct SqliteCloser {
    void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
struct StatementFinalizer {
    void operator()(sqlite3_stmt* statement) const { sqlite3_finalize(statement); }
};

// One prepared statement; reset and rebound for every row it writes or reads.
class Statement {
  public:
    Statement() = default;
    explicit Statement(sqlite3_stmt* statement) : statement_(statement) {}

    Statement& bind(int index, std::string_view text);
    Statement& bind(int index, std::int64_t value);
    Statement& bind(int index, std::optional<std::int64_t> value);
    // SQLITE_ROW, SQLITE_DONE or an error code.
    int step();
    void reset();

    [[nodiscard]] std::int64_t integer(int column) const;
    [[nodiscard]] std::optional<std::int64_t> optional_integer(int column) const;
    [[nodiscard]] std::string text(int column) const;

  private:
    std::unique_ptr<sqlite3_stmt, StatementFinalizer> statement_;
};

// An open SQLite connection; errors come back as messages that name the file.
class SqliteDatabase {
  public:
    enum class Mode { kReadOnly, kReadWriteCreate };

    static core::Result<SqliteDatabase> open(const std::string& path, Mode mode);

    core::Result<bool> execute(const std::string& sql);
    core::Result<Statement> prepare(const std::string& sql);
    [[nodiscard]] std::string last_error() const;
    [[nodiscard]] const std::string& path() const { return path_; }
    [[nodiscard]] sqlite3* handle() const { return db_.get(); }

  private:
    SqliteDatabase(std::unique_ptr<sqlite3, SqliteCloser> db, std::string path)
        : db_(std::move(db)), path_(std::move(path)) {}

    std::unique_ptr<sqlite3, SqliteCloser> db_;
    std::string path_;
};

}  // namespace cmdlink::ledger
