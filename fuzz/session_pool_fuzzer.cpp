// parse_session_pool and SessionPool: a pool that loads writes back to the same file, and
// hands each student their IDs in file order, each once, then refuses with a reason.
#include <cstddef>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/session_pool.hpp"
#include "core/text_checks.hpp"
#include "core/uuid.hpp"
#include "fuzz_support.hpp"
#include "isolation/session_pool_file.hpp"

namespace {

using cmdlink::core::PooledSessionId;
using cmdlink::fuzz::require;

bool same_entries(const std::vector<PooledSessionId>& a, const std::vector<PooledSessionId>& b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (a[i].user_id != b[i].user_id || a[i].session_id != b[i].session_id) return false;
    }
    return true;
}

void check_pool(const std::vector<PooledSessionId>& entries) {
    namespace core = cmdlink::core;
    auto created = core::SessionPool::create(entries);
    if (!created) {
        require(!created.error().empty(), "a pool refused without a reason");
        return;
    }
    std::map<std::string, std::vector<std::string>> by_user;
    std::set<std::string> ids;
    for (const PooledSessionId& entry : entries) {
        require(!core::check_user_id(entry.user_id), "a pool with a bad user ID");
        require(core::is_uuid_v4(entry.session_id), "a pool with a session ID that is no UUID");
        require(ids.insert(entry.session_id).second, "a pool with a session ID twice");
        by_user[entry.user_id].push_back(entry.session_id);
    }
    core::SessionPool& pool = created.value();
    require(pool.students() == by_user.size(), "the pool counts other students");
    for (const auto& [user_id, expected] : by_user) {
        require(pool.remaining(user_id) == expected.size(), "the pool holds other IDs");
        for (const std::string& id : expected) {
            auto next = pool.next(user_id);
            require(next.ok() && next.value() == id, "the pool hands out IDs out of file order");
            require(pool.next(user_id).value() == id, "next() without mark_used() moved on");
            pool.mark_used(id);
        }
        require(pool.remaining(user_id) == 0, "IDs remain after each was used");
        const auto after = pool.next(user_id);
        require(!after.ok() && !after.error().empty(), "a used-up pool gave an ID");
    }
    require(!pool.next("not-a-student-of-this-pool").ok(), "an ID for a user without a pool");

    // What `broker-config` writes reads back as the same pool.
    const std::string text = cmdlink::isolation::render_session_pool(entries);
    const auto reparsed = cmdlink::isolation::parse_session_pool(text);
    require(reparsed.ok() && same_entries(reparsed.value(), entries),
            "a rendered pool reads back differently");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    namespace isolation = cmdlink::isolation;
    const std::string_view text = cmdlink::fuzz::as_text(data, size);
    const auto parsed = isolation::parse_session_pool(text);
    if (text.find('\r') == std::string_view::npos) {
        const auto crlf = isolation::parse_session_pool(cmdlink::fuzz::with_crlf(text));
        require(parsed.ok() == crlf.ok(), "Windows line ends change whether a pool parses");
        require(!parsed.ok() || same_entries(parsed.value(), crlf.value()),
                "Windows line ends change the pool");
    }
    if (!parsed) {
        require(!parsed.error().empty(), "a refusal without a reason");
        return 0;
    }
    for (const PooledSessionId& entry : parsed.value()) {
        require(entry.session_id.find(',') == std::string::npos, "a session ID holds a comma");
        require(entry.user_id.find('\n') == std::string::npos, "a user ID holds a line end");
    }
    check_pool(parsed.value());
    return 0;
}
