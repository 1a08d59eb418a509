#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/result.hpp"

namespace cmdlink::core {

// One session ID set aside in advance for one student (docs/isolation.md, pool mode).
struct PooledSessionId {
    std::string user_id;
    std::string session_id;
};

// The session IDs a roster broker's access rules name, per student: the server issues each
// student's next unused one instead of a random one, so the broker's static rules already
// cover every session a student can get.
class SessionPool {
  public:
    // Every session ID must be a UUID v4 and appear once; every user ID must pass the
    // protocol's check. The order of a student's IDs is the order they are issued in.
    static Result<SessionPool> create(const std::vector<PooledSessionId>& entries);

    // The ID is issued (or was, by an earlier run): never hand it out again.
    void mark_used(std::string_view session_id);
    // The user's next unused ID, still unused (mark_used() once it is issued); otherwise why
    // a login with this user ID gets no session.
    Result<std::string> next(std::string_view user_id);

    [[nodiscard]] std::size_t remaining(std::string_view user_id) const;
    [[nodiscard]] std::size_t students() const { return by_user_.size(); }
    // Each student once, in the order of the entries (broker-config's: the roster's).
    [[nodiscard]] const std::vector<std::string>& user_ids() const { return user_ids_; }

  private:
    struct Queue {
        std::vector<std::string> ids;
        std::size_t next = 0;  // every ID before it is used
    };

    std::unordered_map<std::string, Queue> by_user_;
    std::vector<std::string> user_ids_;
    std::unordered_set<std::string> used_;
};

}  // namespace cmdlink::core
