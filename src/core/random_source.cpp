#include "core/random_source.hpp"

#include <limits>

namespace cmdlink::core {

std::uint64_t RandomSource::uniform(std::uint64_t low, std::uint64_t high) {
    if (high <= low) return low;
    const std::uint64_t span = high - low + 1;
    if (span == 0) return next_u64();  // the whole 64-bit range
    const std::uint64_t limit = std::numeric_limits<std::uint64_t>::max() -
                                std::numeric_limits<std::uint64_t>::max() % span;
    std::uint64_t draw = next_u64();
    while (draw >= limit) draw = next_u64();
    return low + draw % span;
}

}  // namespace cmdlink::core
