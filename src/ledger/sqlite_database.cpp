#include "ledger/sqlite_database.hpp"

#include <utility>

namespace cmdlink::ledger {

Statement& Statement::bind(int index, std::string_view text) {
    sqlite3_bind_text(statement_.get(), index, text.data(), static_cast<int>(text.size()),
                      SQLITE_TRANSIENT);
    return *this;
}

Statement& Statement::bind(int index, std::int64_t value) {
    sqlite3_bind_int64(statement_.get(), index, value);
    return *this;
}

Statement& Statement::bind(int index, std::optional<std::int64_t> value) {
    if (value) return bind(index, *value);
    sqlite3_bind_null(statement_.get(), index);
    return *this;
}

int Statement::step() {
    return sqlite3_step(statement_.get());
}

void Statement::reset() {
    sqlite3_reset(statement_.get());
    sqlite3_clear_bindings(statement_.get());
}

std::int64_t Statement::integer(int column) const {
    return sqlite3_column_int64(statement_.get(), column);
}

std::optional<std::int64_t> Statement::optional_integer(int column) const {
    if (sqlite3_column_type(statement_.get(), column) == SQLITE_NULL) return std::nullopt;
    return integer(column);
}

std::string Statement::text(int column) const {
    const auto* bytes = sqlite3_column_text(statement_.get(), column);
    if (bytes == nullptr) return {};
    return {reinterpret_cast<const char*>(bytes),
            static_cast<std::size_t>(sqlite3_column_bytes(statement_.get(), column))};
}

core::Result<SqliteDatabase> SqliteDatabase::open(const std::string& path, Mode mode) {
    sqlite3* raw = nullptr;
    const int flags =
        mode == Mode::kReadOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    const int rc = sqlite3_open_v2(path.c_str(), &raw, flags | SQLITE_OPEN_NOMUTEX, nullptr);
    std::unique_ptr<sqlite3, SqliteCloser> db(raw);
    if (rc != SQLITE_OK) {
        const std::string why = raw != nullptr ? sqlite3_errmsg(raw) : sqlite3_errstr(rc);
        const bool cannot_open = (rc & 0xff) == SQLITE_CANTOPEN;
        return core::Error{
            "cannot open the ledger " + path + ": " + why +
            (cannot_open ? " (does its directory exist, and may we write there?)" : "")};
    }
    sqlite3_extended_result_codes(db.get(), 1);
    return SqliteDatabase(std::move(db), path);
}

core::Result<bool> SqliteDatabase::execute(const std::string& sql) {
    char* message = nullptr;
    if (sqlite3_exec(db_.get(), sql.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
        std::string why = message != nullptr ? message : last_error();
        sqlite3_free(message);
        return core::Error{why};
    }
    return true;
}

core::Result<Statement> SqliteDatabase::prepare(const std::string& sql) {
    sqlite3_stmt* raw = nullptr;
    if (sqlite3_prepare_v3(db_.get(), sql.c_str(), -1, SQLITE_PREPARE_PERSISTENT, &raw, nullptr) !=
        SQLITE_OK) {
        return core::Error{last_error()};
    }
    return Statement(raw);
}

std::string SqliteDatabase::last_error() const {
    return sqlite3_errmsg(db_.get());
}

}  // namespace cmdlink::ledger
