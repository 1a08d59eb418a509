#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "isolation/roster.hpp"

namespace cmdlink::isolation {

// The roster columns broker-config reads, by header name: `username`, `user_id` and
// `password` unless `--columns` names others (a course system's export says `E-Mail` and
// `Matrikelnummer`).
struct RosterColumns {
    std::string username = "username";
    std::string user_id = "user_id";
    std::string password = "password";
};

// `username=E-Mail,user_id=Matrikelnummer`: any of the three keys, each once, `=` and the
// header's name of that column (spaces around it dropped).
core::Result<RosterColumns> parse_column_mapping(std::string_view text);

// Students from a roster export: any column order and any other columns, `,` or `;`, a UTF-8
// byte order mark (parse_roster_table). `with_passwords`: the password column gives each
// student's password (plain or a mosquitto_passwd hash) and must be there and nonempty;
// otherwise it is not read and the passwords are left empty, for the caller to draw. Every
// bad line is reported by number; any error means no students.
core::Result<std::vector<RosterEntry>> read_roster(std::string_view text,
                                                   const RosterColumns& columns,
                                                   bool with_passwords);

}  // namespace cmdlink::isolation
