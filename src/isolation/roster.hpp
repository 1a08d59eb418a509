#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace cmdlink::isolation {

// One student of a roster file (see docs/isolation.md for the format).
struct RosterEntry {
    std::string username;
    std::string password;  // plain text, or a hash when `hashed`
    bool hashed = false;
    std::string user_id;
    std::size_t line = 0;  // 1-based line of the roster file, for messages
};

// Whether `password` is a hash as mosquitto_passwd writes it (`$6$...` or `$7$...`).
bool is_password_hash(std::string_view password);

// Parses a CSV roster: a header `username,password,user_id`, then one student per line.
// Every bad line is reported (each message names its line); any error means no entries.
core::Result<std::vector<RosterEntry>> parse_roster(std::string_view text);

// Why the server's account cannot be used with this roster (a bad user name, an empty
// password, a student with the same user name), or true.
core::Result<bool> check_server_account(const std::vector<RosterEntry>& roster,
                                        std::string_view server_user,
                                        std::string_view server_password);

// Whether `username` can be a Mosquitto account of a password file: nonempty, valid UTF-8,
// no ':' (the file's separator) and no control characters; the reason when not.
std::optional<std::string> check_username(std::string_view username);

// A roster read by its header's column names, for tools that only read it (`results
// --roster`): any columns in any order, `,` or `;` as separator (whichever the header uses
// more), a UTF-8 byte order mark ignored, blank and `#` lines skipped.
struct RosterTable {
    struct Row {
        std::vector<std::string> fields;  // one per column
        std::size_t line = 0;             // 1-based line of the file, for messages
    };
    std::vector<std::string> columns;  // the header's names, spaces around them dropped
    std::vector<Row> rows;

    // The index of the column named `name`, if the header has it.
    [[nodiscard]] std::optional<std::size_t> column(std::string_view name) const;
};

// Every row must have the header's number of fields and a nonempty, unique `key_column`
// value; every bad line is reported by number, and any error means no table.
core::Result<RosterTable> parse_roster_table(std::string_view text, std::string_view key_column);

}  // namespace cmdlink::isolation
