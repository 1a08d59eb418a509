#pragma once

#include <nlohmann/json.hpp>

#include "core/latency_histogram.hpp"

namespace cmdlink::apps {

double microseconds_at(const core::LatencyHistogram& histogram, double fraction);
double milliseconds_at(const core::LatencyHistogram& histogram, double fraction);
// {"p50", "p90", "p99", "p999", "max"} in milliseconds (every duration in a --json event is,
// docs/json-events.md); null when nothing was recorded.
nlohmann::json latency_json(const core::LatencyHistogram& histogram);

}  // namespace cmdlink::apps
