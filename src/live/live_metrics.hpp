#pragma once

#include <string>

#include "live/live_snapshot.hpp"

namespace cmdlink::live {

// The snapshot in Prometheus' text exposition format (version 0.0.4), for `/metrics`.
std::string to_prometheus(const LiveSnapshot& snapshot);

}  // namespace cmdlink::live
