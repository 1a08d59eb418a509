#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "core/session_pool.hpp"

namespace cmdlink::isolation {

// The pool file `cmdlink broker-config` writes and `cmdlink server --session-pool` reads:
// the header `user_id,session_id`, then one pooled ID per line, a student's IDs in the order
// they are to be issued. The session ID is what follows the last comma (a UUID has none),
// so a user ID may contain commas.
inline constexpr std::string_view kSessionPoolHeader = "user_id,session_id";

std::string render_session_pool(const std::vector<core::PooledSessionId>& entries);
// Every bad line is reported with its number; any error means no entries.
core::Result<std::vector<core::PooledSessionId>> parse_session_pool(std::string_view text);

// The pool in the file at `path`, every ID unused yet; errors name the file.
core::Result<core::SessionPool> read_session_pool(const std::filesystem::path& path);

}  // namespace cmdlink::isolation
