#pragma once

#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/result.hpp"

namespace cmdlink::broker_plugin {

// Who may publish which login, read by the broker plugin at start (docs/isolation.md, "Logins
// bound to accounts"). `cmdlink broker-config` writes it from the roster:
//
//   # comment
//   server<TAB><the server's user name>
//   student<TAB><user name><TAB><user ID>
//
// Tabs separate the fields because neither a user name nor a user ID may hold a control
// character, so no quoting is needed.
struct AccountMap {
    std::string server_user;
    std::unordered_map<std::string, std::string> user_id_of;  // student user name -> user ID
    // `cmdlink-<user ID>` -> the student's user name: the client ID our client uses by default.
    std::unordered_map<std::string, std::string> owner_of_default_id;
};

struct StudentAccount {
    std::string username;
    std::string user_id;
};

// The file's text for this server account and these students (checked as the parser does).
core::Result<std::string> render_account_map(std::string_view server_user,
                                             const std::vector<StudentAccount>& students);

// Every bad line is reported with its number; a map without exactly one server line, with a
// repeated user name or user ID, or with a name holding ':' is refused.
core::Result<AccountMap> parse_account_map(std::string_view text);

// The client ID our client takes by default for a user ID.
std::string default_client_id(std::string_view user_id);

}  // namespace cmdlink::broker_plugin
