#pragma once

#include <string>

#include "live/live_snapshot.hpp"

namespace cmdlink::live {

// The snapshot as the JSON of `/api/state` and of each `/api/events` update
// (docs/live-view.md).
std::string to_json(const LiveSnapshot& snapshot);

}  // namespace cmdlink::live
