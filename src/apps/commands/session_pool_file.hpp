#pragma once

#include <string>

#include "core/result.hpp"
#include "core/session_pool.hpp"

namespace cmdlink::apps {

// The pool file `cmdlink broker-config` wrote (`session-pool`), with every session ID the
// ledger at `ledger` already holds marked used, so that no ID is issued twice across runs
// (an empty `ledger`: a server without one, the demo's).
core::Result<core::SessionPool> load_session_pool(const std::string& path,
                                                  const std::string& ledger);

}  // namespace cmdlink::apps
