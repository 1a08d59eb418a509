#include "isolation/roster_columns.hpp"

#include <map>
#include <optional>

#include "core/text_checks.hpp"

namespace cmdlink::isolation {
namespace {

std::string trimmed(std::string_view text) {
    const std::size_t first = text.find_first_not_of(" \t");
    if (first == std::string_view::npos) return {};
    const std::size_t last = text.find_last_not_of(" \t");
    return std::string(text.substr(first, last - first + 1));
}

std::string header_names(const RosterTable& table) {
    std::string names;
    for (const std::string& name : table.columns) names += (names.empty() ? "" : ", ") + name;
    return names;
}

}  // namespace

core::Result<RosterColumns> parse_column_mapping(std::string_view text) {
    RosterColumns columns;
    std::map<std::string, std::string*> keys = {{"username", &columns.username},
                                                {"user_id", &columns.user_id},
                                                {"password", &columns.password}};
    std::map<std::string, bool> seen;
    std::size_t start = 0;
    while (start <= text.size()) {
        std::size_t end = text.find(',', start);
        if (end == std::string_view::npos) end = text.size();
        const std::string_view pair = text.substr(start, end - start);
        start = end + 1;
        const std::size_t equals = pair.find('=');
        const std::string key = trimmed(pair.substr(0, equals));
        if (equals == std::string_view::npos || key.empty()) {
            return core::Error{"--columns '" + std::string(pair) +
                               "': expected KEY=COLUMN, KEY one of username, user_id, password"};
        }
        const auto found = keys.find(key);
        if (found == keys.end()) {
            return core::Error{"--columns: unknown key '" + key +
                               "' (the keys are username, user_id, password)"};
        }
        if (seen[key]) return core::Error{"--columns: " + key + " is given twice"};
        seen[key] = true;
        const std::string column = trimmed(pair.substr(equals + 1));
        if (column.empty()) return core::Error{"--columns: " + key + " names no column"};
        *found->second = column;
    }
    return columns;
}

core::Result<std::vector<RosterEntry>> read_roster(std::string_view text,
                                                   const RosterColumns& columns,
                                                   bool with_passwords) {
    auto table = parse_roster_table(text, columns.user_id);
    if (!table) return table.failure();
    const std::optional<std::size_t> username = table.value().column(columns.username);
    if (!username) {
        return core::Error{"the roster's header has no column `" + columns.username +
                           "` for the user names (it has: " + header_names(table.value()) +
                           "; --columns username=NAME names another)"};
    }
    const std::size_t user_id = *table.value().column(columns.user_id);
    std::optional<std::size_t> password;
    if (with_passwords) {
        password = table.value().column(columns.password);
        if (!password) {
            return core::Error{"--roster-passwords: the roster's header has no column `" +
                               columns.password + "` (it has: " + header_names(table.value()) +
                               "; --columns password=NAME names another)"};
        }
    }
    std::vector<RosterEntry> entries;
    std::string errors;
    const auto fail = [&](std::size_t line, const std::string& why) {
        errors += "roster line " + std::to_string(line) + ": " + why + "\n";
    };
    std::map<std::string, std::size_t> line_of_username;
    for (const RosterTable::Row& row : table.value().rows) {
        RosterEntry entry{.username = trimmed(row.fields[*username]),
                          .password = password ? row.fields[*password] : std::string(),
                          .hashed = false,
                          .user_id = trimmed(row.fields[user_id]),
                          .line = row.line};
        bool good = true;
        if (auto why = check_username(entry.username)) {
            fail(row.line, *why);
            good = false;
        }
        if (password && entry.password.empty()) {
            fail(row.line, "the password is empty");
            good = false;
        }
        if (auto why = core::check_user_id(entry.user_id)) {
            fail(row.line, "user ID '" + core::printable(entry.user_id) + "': " + *why);
            good = false;
        }
        if (const auto [it, fresh] = line_of_username.emplace(entry.username, row.line); !fresh) {
            fail(row.line, "user name '" + core::printable(entry.username) +
                               "' is already on line " + std::to_string(it->second));
            good = false;
        }
        if (!good) continue;
        entry.hashed = is_password_hash(entry.password);
        entries.push_back(std::move(entry));
    }
    if (!errors.empty()) {
        errors.pop_back();
        return core::Error{errors};
    }
    if (entries.empty()) return core::Error{"the roster has a header but no student"};
    return entries;
}

}  // namespace cmdlink::isolation
