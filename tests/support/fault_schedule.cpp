#include "fault_schedule.hpp"

#include <algorithm>

namespace cmdlink::faults {
namespace {

// splitmix64's finaliser: neighbouring connection numbers get unrelated generator seeds.
std::uint64_t mix(std::uint64_t value) {
    value += 0x9E3779B97F4A7C15ULL;
    value = (value ^ (value >> 30U)) * 0xBF58476D1CE4E5B9ULL;
    value = (value ^ (value >> 27U)) * 0x94D049BB133111EBULL;
    return value ^ (value >> 31U);
}

}  // namespace

FaultSchedule::FaultSchedule(std::uint64_t seed, std::uint64_t connection_number,
                             FaultTimings timings)
    : generator_(mix(seed ^ mix(connection_number))), timings_(timings) {}

std::chrono::milliseconds FaultSchedule::next_forwarding() {
    return draw(timings_.forward_min, timings_.forward_max);
}

std::chrono::milliseconds FaultSchedule::next_stall() {
    return draw(timings_.stall_min, timings_.stall_max);
}

std::chrono::milliseconds FaultSchedule::draw(std::chrono::milliseconds low,
                                              std::chrono::milliseconds high) {
    std::uniform_int_distribution<std::chrono::milliseconds::rep> between(
        low.count(), std::max(low, high).count());
    return std::chrono::milliseconds(between(generator_));
}

}  // namespace cmdlink::faults
