#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

#include "core/random_source.hpp"
#include "core/result.hpp"
#include "core/session_pool.hpp"
#include "isolation/roster.hpp"

namespace cmdlink::isolation {

// The most session IDs one student's pool may hold (`--sessions-per-student`).
inline constexpr std::size_t kMaxSessionsPerStudent = 100000;

// Why pool mode cannot isolate this roster: a pool size out of range, or a user name or user
// ID (or the server's account) that Mosquitto's acl_file cannot hold.
core::Result<bool> check_pool_mode(const std::vector<RosterEntry>& roster,
                                   std::string_view server_user, std::size_t per_student);

// `per_student` fresh IDs for each student, in the order they are to be issued, checked as
// the server will check them: a duplicate would mean a broken random source, which must be
// the OS's CSPRNG outside tests (the IDs must be unguessable).
core::Result<std::vector<core::PooledSessionId>> draw_session_pool(
    const std::vector<RosterEntry>& roster, std::size_t per_student, core::RandomSource& random);

}  // namespace cmdlink::isolation
