#pragma once

#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/restored_session.hpp"
#include "core/result.hpp"

namespace cmdlink::ledger {

// What a server that died left in the ledger at `path`: the sessions with no end (with the
// commands they sent and the answers they accepted), and those that ended within `retention`.
core::Result<core::PreviousRun> load_previous_run(const std::string& path,
                                                  core::Duration retention);

// Every session ID the ledger at `path` holds, so that a session pool never issues one twice,
// whatever became of its session.
core::Result<std::vector<std::string>> load_issued_session_ids(const std::string& path);

}  // namespace cmdlink::ledger
