#pragma once

#include <chrono>

#include "core/clock.hpp"

namespace cmdlink::apps {

// Flags take seconds as decimals (`--delay 0.2`); the core counts in clock ticks.
inline core::Duration seconds(double value) {
    return std::chrono::duration_cast<core::Duration>(std::chrono::duration<double>(value));
}

}  // namespace cmdlink::apps
