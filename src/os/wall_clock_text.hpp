#pragma once

#include <chrono>
#include <string>

namespace cmdlink::os {

// `at` in the local time zone as ISO-8601 with milliseconds and the zone's offset, e.g.
// 2026-11-30T02:05:07.123+01:00 (the `time` of every --json event, docs/json-events.md).
std::string iso8601_local(std::chrono::system_clock::time_point at);

}  // namespace cmdlink::os
