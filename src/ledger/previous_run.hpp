#pragma once

#include <string>

#include "core/clock.hpp"
#include "core/restored_session.hpp"
#include "core/result.hpp"

namespace cmdlink::ledger {

// What a server that died left in the ledger at `path`: the sessions with no end (with the
// commands they sent and the answers they accepted), and those that ended within `retention`.
core::Result<core::PreviousRun> load_previous_run(const std::string& path,
                                                  core::Duration retention);

}  // namespace cmdlink::ledger
