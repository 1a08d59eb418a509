#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "isolation/roster.hpp"

namespace cmdlink::isolation {

// The dynamic security plugin's JSON config for a roster: everything denied by default; each
// student may publish to `login` and read `<own ID>/UUID` (their session topics are granted
// per session by the server); `server_user` reads logins and replies, writes session IDs and
// commands, and administers the plugin to grant those session topics. Passwords are not
// in it: the password file checks them (the plugin defers clients without a password).
std::string render_dynsec_config(const std::vector<RosterEntry>& roster,
                                 std::string_view server_user);

}  // namespace cmdlink::isolation
