#include "core/latency_histogram.hpp"

#include <bit>
#include <cmath>

namespace cmdlink::core {

std::size_t LatencyHistogram::index_of(std::uint64_t ns) {
    if (ns < kSubBuckets) return static_cast<std::size_t>(ns);
    const unsigned magnitude = 63U - static_cast<unsigned>(std::countl_zero(ns));
    const unsigned shift = magnitude - kSubBucketBits + 1;
    const std::uint64_t sub = (ns >> shift) & (kSubBuckets / 2 - 1);
    return static_cast<std::size_t>(shift) * (kSubBuckets / 2) + kSubBuckets / 2 +
           static_cast<std::size_t>(sub);
}

std::uint64_t LatencyHistogram::upper_value_of(std::size_t index) {
    if (index < kSubBuckets) return index;
    const std::size_t half = kSubBuckets / 2;
    const std::size_t shift = (index - half) / half;
    const std::uint64_t sub = (index - half) % half;
    const std::uint64_t base = (std::uint64_t{half} + sub) << shift;
    return base + ((std::uint64_t{1} << shift) - 1);
}

void LatencyHistogram::record(Duration latency) {
    const auto ns = static_cast<std::uint64_t>(latency.count() < 0 ? 0 : latency.count());
    ++counts_[index_of(ns)];
    ++count_;
    if (ns > max_ns_) max_ns_ = ns;
}

void LatencyHistogram::merge(const LatencyHistogram& other) {
    for (std::size_t i = 0; i < kBuckets; ++i) counts_[i] += other.counts_[i];
    count_ += other.count_;
    if (other.max_ns_ > max_ns_) max_ns_ = other.max_ns_;
}

Duration LatencyHistogram::percentile(double fraction) const {
    if (count_ == 0) return Duration::zero();
    auto rank = static_cast<std::uint64_t>(std::ceil(fraction * static_cast<double>(count_)));
    if (rank == 0) rank = 1;
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < kBuckets; ++i) {
        seen += counts_[i];
        if (seen >= rank) {
            const std::uint64_t value = upper_value_of(i);
            return Duration(static_cast<Duration::rep>(value < max_ns_ ? value : max_ns_));
        }
    }
    return max();
}

}  // namespace cmdlink::core
