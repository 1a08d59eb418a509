#include "apps/session_pool_file.hpp"

#include <fstream>
#include <sstream>

#include "core/session_pool_text.hpp"
#include "ledger/previous_run.hpp"

namespace cmdlink::apps {

core::Result<core::SessionPool> load_session_pool(const std::string& path,
                                                  const std::string& ledger) {
    std::ifstream file(path, std::ios::binary);
    if (!file) return core::Error{"cannot read the session pool " + path};
    std::ostringstream text;
    text << file.rdbuf();
    auto entries = core::parse_session_pool(text.str());
    if (!entries) return core::Error{path + ":\n" + entries.error()};
    auto pool = core::SessionPool::create(entries.value());
    if (!pool) return core::Error{path + ": " + pool.error()};
    if (ledger.empty()) return pool;
    auto used = ledger::load_issued_session_ids(ledger);
    if (!used) return used.failure();
    for (const std::string& id : used.value()) pool.value().mark_used(id);
    return pool;
}

}  // namespace cmdlink::apps
