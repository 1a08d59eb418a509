#pragma once

#include <chrono>

namespace cmdlink::core {

// The core never reads a clock: callers pass `now`, so tests can drive time by hand.
using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;
using Duration = Clock::duration;

inline constexpr TimePoint kNever = TimePoint::max();

}  // namespace cmdlink::core
