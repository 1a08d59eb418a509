#pragma once

#include <chrono>
#include <cstdint>
#include <random>

namespace cmdlink::faults {

// How long a proxied connection forwards between its faults, and how long a stall lasts:
// each drawn uniformly (in milliseconds) from [min, max].
struct FaultTimings {
    std::chrono::milliseconds forward_min{1000};
    std::chrono::milliseconds forward_max{4000};
    std::chrono::milliseconds stall_min{2000};
    std::chrono::milliseconds stall_max{5000};
};

// The fault times of one proxied connection. Each connection draws from a generator of its
// own, seeded from the run's seed and the connection's number (1 for the first accepted),
// so that one seed replays every connection's schedule whatever order the connections'
// events interleave in.
class FaultSchedule {
  public:
    FaultSchedule(std::uint64_t seed, std::uint64_t connection_number, FaultTimings timings);

    // How long the connection forwards before its next fault.
    std::chrono::milliseconds next_forwarding();
    // How long the next stall lasts.
    std::chrono::milliseconds next_stall();

  private:
    std::chrono::milliseconds draw(std::chrono::milliseconds low, std::chrono::milliseconds high);

    std::mt19937_64 generator_;
    FaultTimings timings_;
};

}  // namespace cmdlink::faults
