#include "core/session_pool.hpp"

#include <algorithm>

#include "core/text_checks.hpp"
#include "core/uuid.hpp"

namespace cmdlink::core {

Result<SessionPool> SessionPool::create(const std::vector<PooledSessionId>& entries) {
    SessionPool pool;
    std::unordered_set<std::string_view> seen;
    for (const PooledSessionId& entry : entries) {
        if (auto why = check_user_id(entry.user_id)) {
            return Error{"user ID '" + printable(entry.user_id) + "': " + *why};
        }
        if (!is_uuid_v4(entry.session_id)) {
            return Error{"session ID '" + printable(entry.session_id) + "' of user ID '" +
                         entry.user_id + "' is not a UUID v4"};
        }
        if (!seen.insert(entry.session_id).second) {
            return Error{"session ID " + entry.session_id + " is in the pool twice"};
        }
        Queue& queue = pool.by_user_[entry.user_id];
        if (queue.ids.empty()) pool.user_ids_.push_back(entry.user_id);
        queue.ids.push_back(entry.session_id);
    }
    return pool;
}

void SessionPool::mark_used(std::string_view session_id) {
    used_.emplace(session_id);
}

Result<std::string> SessionPool::next(std::string_view user_id) {
    const auto found = by_user_.find(std::string(user_id));
    if (found == by_user_.end()) return Error{"not in the roster"};
    Queue& queue = found->second;
    while (queue.next < queue.ids.size() && used_.contains(queue.ids[queue.next])) ++queue.next;
    if (queue.next == queue.ids.size()) {
        return Error{
            "no session IDs left for this user: regenerate the broker config with more "
            "--sessions-per-student"};
    }
    return queue.ids[queue.next];
}

std::size_t SessionPool::remaining(std::string_view user_id) const {
    const auto found = by_user_.find(std::string(user_id));
    if (found == by_user_.end()) return 0;
    const Queue& queue = found->second;
    return static_cast<std::size_t>(
        std::count_if(queue.ids.begin() + static_cast<std::ptrdiff_t>(queue.next), queue.ids.end(),
                      [&](const std::string& id) { return !used_.contains(id); }));
}

}  // namespace cmdlink::core
