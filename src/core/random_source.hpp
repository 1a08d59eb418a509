#pragma once

#include <cstdint>

namespace cmdlink::core {

// Injected so that tests fix the draw; production passes a source seeded by the OS.
class RandomSource {
  public:
    virtual ~RandomSource() = default;
    virtual std::uint64_t next_u64() = 0;

    // Uniform in [low, high]; rejection sampling keeps it unbiased.
    std::uint64_t uniform(std::uint64_t low, std::uint64_t high);
};

}  // namespace cmdlink::core
