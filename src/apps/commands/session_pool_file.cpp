#include "apps/commands/session_pool_file.hpp"

#include "isolation/session_pool_file.hpp"
#include "ledger/previous_run.hpp"

namespace cmdlink::apps {

core::Result<core::SessionPool> load_session_pool(const std::string& path,
                                                  const std::string& ledger) {
    auto pool = isolation::read_session_pool(path);
    if (!pool || ledger.empty()) return pool;
    auto used = ledger::load_issued_session_ids(ledger);
    if (!used) return used.failure();
    for (const std::string& id : used.value()) pool.value().mark_used(id);
    return pool;
}

}  // namespace cmdlink::apps
