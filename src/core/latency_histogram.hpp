#pragma once

#include <array>
#include <cstdint>

#include "core/clock.hpp"

namespace cmdlink::core {

// Log-linear buckets (HdrHistogram's idea): 64 linear sub-buckets per power of two of
// nanoseconds, so any recorded value is reported within 1/64 (1.6 %) of its true value,
// in constant memory however many samples a long-running server records.
class LatencyHistogram {
  public:
    void record(Duration latency);
    void merge(const LatencyHistogram& other);

    // The smallest bucket value at or above the given fraction of samples (0 < q <= 1).
    [[nodiscard]] Duration percentile(double fraction) const;
    [[nodiscard]] Duration max() const { return Duration(max_ns_); }
    [[nodiscard]] std::uint64_t count() const { return count_; }

  private:
    static constexpr unsigned kSubBucketBits = 6;
    static constexpr std::size_t kSubBuckets = std::size_t{1} << kSubBucketBits;
    static constexpr std::size_t kBuckets = (64 - kSubBucketBits + 1) * kSubBuckets;

    static std::size_t index_of(std::uint64_t ns);
    static std::uint64_t upper_value_of(std::size_t index);

    std::array<std::uint64_t, kBuckets> counts_{};
    std::uint64_t count_ = 0;
    std::uint64_t max_ns_ = 0;
};

}  // namespace cmdlink::core
