#include "isolation/roster.hpp"

#include <algorithm>
#include <map>
#include <optional>

#include "core/text_checks.hpp"
#include "core/text_lines.hpp"

namespace cmdlink::isolation {
namespace {

constexpr std::string_view kHeader = "username,password,user_id";
constexpr std::size_t kFields = 3;

// One CSV line split into fields: a field is bare text without '"', or enclosed in double
// quotes with "" for a quote inside (RFC 4180, without line breaks inside fields).
core::Result<std::vector<std::string>> split_csv_line(std::string_view line, char separator = ',') {
    std::vector<std::string> fields;
    std::size_t at = 0;
    while (true) {
        std::string field;
        if (at < line.size() && line[at] == '"') {
            ++at;
            while (true) {
                if (at >= line.size()) return core::Error{"a quoted field has no closing quote"};
                if (line[at] == '"') {
                    if (at + 1 < line.size() && line[at + 1] == '"') {
                        field += '"';
                        at += 2;
                        continue;
                    }
                    ++at;
                    break;
                }
                field += line[at++];
            }
            if (at < line.size() && line[at] != separator) {
                return core::Error{"text after the closing quote of a field"};
            }
        } else {
            const std::size_t comma = line.find(separator, at);
            const std::size_t end = comma == std::string_view::npos ? line.size() : comma;
            field.assign(line.substr(at, end - at));
            if (field.find('"') != std::string::npos) {
                return core::Error{
                    "a quote inside an unquoted field (enclose the field in quotes "
                    "and double the quote)"};
            }
            at = end;
        }
        fields.push_back(std::move(field));
        if (at >= line.size()) return fields;
        ++at;  // the separator
    }
}

// Spreadsheets export rosters with a UTF-8 byte order mark, and with `;` where the locale
// writes decimal commas: the header tells which separator the file uses.
constexpr std::string_view kByteOrderMark = "\xEF\xBB\xBF";

char separator_of(std::string_view header) {
    const auto commas = std::count(header.begin(), header.end(), ',');
    const auto semicolons = std::count(header.begin(), header.end(), ';');
    return semicolons > commas ? ';' : ',';
}

std::string trimmed(std::string_view text) {
    const std::size_t first = text.find_first_not_of(" \t");
    if (first == std::string_view::npos) return {};
    const std::size_t last = text.find_last_not_of(" \t");
    return std::string(text.substr(first, last - first + 1));
}

bool is_skipped(std::string_view line) {
    return line.find_first_not_of(" \t") == std::string_view::npos || line.front() == '#';
}

}  // namespace

bool is_password_hash(std::string_view password) {
    return password.size() > 3 && (password.starts_with("$6$") || password.starts_with("$7$"));
}

std::optional<std::string> check_username(std::string_view username) {
    if (username.empty()) return "the user name is empty";
    if (!core::is_valid_utf8(username)) return "the user name is not valid UTF-8";
    if (username.find(':') != std::string_view::npos) {
        return "the user name contains ':', which separates the fields of a password file";
    }
    for (const char c : username) {
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
            return "the user name contains a control character";
        }
    }
    return std::nullopt;
}

core::Result<std::vector<RosterEntry>> parse_roster(std::string_view text) {
    std::vector<RosterEntry> entries;
    std::string errors;
    const auto fail = [&](std::size_t line, const std::string& why) {
        errors += "roster line " + std::to_string(line) + ": " + why + "\n";
    };
    std::map<std::string, std::size_t> line_of_username;
    std::map<std::string, std::size_t> line_of_user_id;
    bool header_seen = false;
    core::LineReader lines(text);
    while (const auto read = lines.next()) {
        const std::size_t number = read->number;
        const std::string_view line = read->text;
        if (is_skipped(line)) continue;
        if (!header_seen) {
            header_seen = true;
            if (line != kHeader) {
                fail(number, "the first line must be the header `" + std::string(kHeader) + "`");
            }
            continue;
        }
        auto fields = split_csv_line(line);
        if (!fields) {
            fail(number, fields.error());
            continue;
        }
        if (fields.value().size() != kFields) {
            fail(number, "expected 3 fields (username,password,user_id), found " +
                             std::to_string(fields.value().size()));
            continue;
        }
        RosterEntry entry{.username = std::move(fields.value()[0]),
                          .password = std::move(fields.value()[1]),
                          .hashed = false,
                          .user_id = std::move(fields.value()[2]),
                          .line = number};
        bool good = true;
        if (auto why = check_username(entry.username)) {
            fail(number, *why);
            good = false;
        }
        if (entry.password.empty()) {
            fail(number, "the password is empty");
            good = false;
        }
        if (auto why = core::check_user_id(entry.user_id)) {
            fail(number, "user ID '" + core::printable(entry.user_id) + "': " + *why);
            good = false;
        }
        if (const auto [it, fresh] = line_of_username.emplace(entry.username, number); !fresh) {
            fail(number, "user name '" + core::printable(entry.username) + "' is already on line " +
                             std::to_string(it->second));
            good = false;
        }
        if (const auto [it, fresh] = line_of_user_id.emplace(entry.user_id, number); !fresh) {
            fail(number, "user ID '" + core::printable(entry.user_id) + "' is already on line " +
                             std::to_string(it->second));
            good = false;
        }
        if (!good) continue;
        entry.hashed = is_password_hash(entry.password);
        entries.push_back(std::move(entry));
    }
    if (!header_seen)
        return core::Error{"the roster is empty: it needs the header `" + std::string(kHeader) +
                           "` and one line per student"};
    if (!errors.empty()) {
        errors.pop_back();
        return core::Error{errors};
    }
    if (entries.empty()) return core::Error{"the roster has a header but no student"};
    return entries;
}

core::Result<bool> check_server_account(const std::vector<RosterEntry>& roster,
                                        std::string_view server_user,
                                        std::string_view server_password) {
    if (auto why = check_username(server_user)) return core::Error{"server account: " + *why};
    if (server_password.empty()) return core::Error{"the server password is empty"};
    for (const RosterEntry& entry : roster) {
        if (entry.username == server_user) {
            return core::Error{"roster line " + std::to_string(entry.line) +
                               ": the user name is that of the server account '" +
                               std::string(server_user) + "'"};
        }
    }
    return true;
}

std::optional<std::size_t> RosterTable::column(std::string_view name) const {
    const auto found = std::find(columns.begin(), columns.end(), name);
    if (found == columns.end()) return std::nullopt;
    return static_cast<std::size_t>(found - columns.begin());
}

core::Result<RosterTable> parse_roster_table(std::string_view text, std::string_view key_column) {
    if (text.starts_with(kByteOrderMark)) text.remove_prefix(kByteOrderMark.size());
    RosterTable table;
    std::string errors;
    const auto fail = [&](std::size_t line, const std::string& why) {
        errors += "roster line " + std::to_string(line) + ": " + why + "\n";
    };
    std::optional<std::size_t> key;
    char separator = ',';
    std::map<std::string, std::size_t> line_of_key;
    core::LineReader lines(text);
    while (const auto read = lines.next()) {
        if (is_skipped(read->text)) continue;
        if (table.columns.empty()) {
            separator = separator_of(read->text);
            auto names = split_csv_line(read->text, separator);
            if (!names)
                return core::Error{"roster line " + std::to_string(read->number) +
                                   " (the header): " + names.error()};
            for (const std::string& name : names.value()) table.columns.push_back(trimmed(name));
            key = table.column(key_column);
            if (!key) {
                return core::Error{"roster line " + std::to_string(read->number) +
                                   ": the header has no column `" + std::string(key_column) +
                                   "` (it has: " + core::printable(read->text) + ")"};
            }
            continue;
        }
        auto fields = split_csv_line(read->text, separator);
        if (!fields) {
            fail(read->number, fields.error());
            continue;
        }
        if (fields.value().size() != table.columns.size()) {
            fail(read->number, "expected " + std::to_string(table.columns.size()) +
                                   " fields, as the header has, found " +
                                   std::to_string(fields.value().size()));
            continue;
        }
        const std::string& value = fields.value()[*key];
        if (value.empty()) {
            fail(read->number, "the " + std::string(key_column) + " is empty");
            continue;
        }
        if (const auto [it, fresh] = line_of_key.emplace(value, read->number); !fresh) {
            fail(read->number, std::string(key_column) + " '" + core::printable(value) +
                                   "' is already on line " + std::to_string(it->second));
            continue;
        }
        table.rows.push_back({std::move(fields.value()), read->number});
    }
    if (table.columns.empty()) return core::Error{"the roster is empty: it needs a header line"};
    if (!errors.empty()) {
        errors.pop_back();
        return core::Error{errors};
    }
    return table;
}

}  // namespace cmdlink::isolation
