#include "isolation/pool_setup.hpp"

#include <string>

#include "core/uuid.hpp"
#include "isolation/pool_acl.hpp"

namespace cmdlink::isolation {

core::Result<bool> check_pool_mode(const std::vector<RosterEntry>& roster,
                                   std::string_view server_user, std::size_t per_student) {
    if (per_student < 1 || per_student > kMaxSessionsPerStudent) {
        return core::Error{"--sessions-per-student must be within 1-" +
                           std::to_string(kMaxSessionsPerStudent)};
    }
    if (auto why = check_acl_text(server_user)) return core::Error{"server account: " + *why};
    for (const RosterEntry& entry : roster) {
        for (const std::string& text : {entry.username, entry.user_id}) {
            if (auto why = check_acl_text(text)) {
                return core::Error{"roster line " + std::to_string(entry.line) + ": '" + text +
                                   "': " + *why + " (use --dynamic-security)"};
            }
        }
    }
    return true;
}

core::Result<std::vector<core::PooledSessionId>> draw_session_pool(
    const std::vector<RosterEntry>& roster, std::size_t per_student, core::RandomSource& random) {
    std::vector<core::PooledSessionId> pool;
    pool.reserve(roster.size() * per_student);
    for (const RosterEntry& entry : roster) {
        for (std::size_t i = 0; i < per_student; ++i) {
            pool.push_back({entry.user_id, core::make_uuid_v4(random)});
        }
    }
    if (auto checked = core::SessionPool::create(pool); !checked) {
        return core::Error{"the drawn session pool is unusable: " + checked.error()};
    }
    return pool;
}

}  // namespace cmdlink::isolation
