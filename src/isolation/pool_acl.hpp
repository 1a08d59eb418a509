#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/session_pool.hpp"
#include "isolation/roster.hpp"

namespace cmdlink::isolation {

// Mosquitto's classic acl_file for a roster with pooled session IDs (docs/isolation.md): each
// student may publish to `login`, read `<own user ID>/UUID` and `<own user ID>/result` (the
// verdict of `server --feedback`), and for each of their own pooled
// IDs read `<ID>` and publish to `<ID>/+`; `server_user` reads logins and replies and
// writes session IDs and commands. Nothing else is allowed to anyone.
std::string render_pool_acl(const std::vector<RosterEntry>& roster,
                            const std::vector<core::PooledSessionId>& pool,
                            std::string_view server_user);

// Why `text` cannot be a user name or topic of an acl_file line (mosquitto trims the blanks
// around them), or nothing.
std::optional<std::string> check_acl_text(std::string_view text);

}  // namespace cmdlink::isolation
