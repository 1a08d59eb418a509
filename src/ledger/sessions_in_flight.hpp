#pragma once

#include <string>
#include <vector>

#include "core/restored_session.hpp"
#include "core/result.hpp"

namespace cmdlink::ledger {

// The sessions of the ledger at `path` that have no end: what a server that died left in
// flight, with the commands it sent and the answers it accepted.
core::Result<std::vector<core::RestoredSession>> load_sessions_in_flight(const std::string& path);

}  // namespace cmdlink::ledger
