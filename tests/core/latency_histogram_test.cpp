#include "core/latency_histogram.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <limits>

namespace cmdlink::core {
namespace {

using std::chrono::nanoseconds;

Duration ns(std::int64_t count) {
    return std::chrono::duration_cast<Duration>(nanoseconds(count));
}

TEST(LatencyHistogram, AnEmptyHistogramReportsZero) {
    const LatencyHistogram histogram;
    EXPECT_EQ(histogram.count(), 0U);
    EXPECT_EQ(histogram.percentile(0.5), Duration::zero());
    EXPECT_EQ(histogram.max(), Duration::zero());
}

TEST(LatencyHistogram, ValuesBelowSixtyFourNanosecondsAreExact) {
    for (std::int64_t value = 0; value < 64; ++value) {
        LatencyHistogram histogram;
        histogram.record(ns(value));
        EXPECT_EQ(histogram.percentile(1.0), ns(value)) << value;
    }
}

TEST(LatencyHistogram, EveryValueIsReportedWithinOneThirtySecondAndNeverBelow) {
    // 32 linear steps per power of two: the header's "1/64" is the bucket count per
    // magnitude, half of which overlaps the magnitude below. Values straddle each power.
    for (int power = 6; power < 62; ++power) {
        const std::int64_t base = std::int64_t{1} << power;
        for (const std::int64_t value : {base - 1, base, base + 1, base + base / 3}) {
            LatencyHistogram histogram;
            histogram.record(ns(value));
            histogram.record(ns(value * 2));  // so the bucket's top is not capped at max
            const auto reported = histogram.percentile(0.5).count();
            EXPECT_GE(reported, value) << value;
            EXPECT_LE(reported - value, value / 32) << value;
        }
    }
}

TEST(LatencyHistogram, PercentilesFollowTheRankOfTheSamples) {
    LatencyHistogram histogram;
    for (std::int64_t i = 1; i <= 100; ++i) histogram.record(ns(i * 1000));
    EXPECT_EQ(histogram.count(), 100U);
    const auto median = histogram.percentile(0.5).count();
    EXPECT_GE(median, 50'000);
    EXPECT_LE(median, 50'000 + 50'000 / 32);
    const auto p99 = histogram.percentile(0.99).count();
    EXPECT_GE(p99, 99'000);
    EXPECT_LE(p99, 99'000 + 99'000 / 32);
    EXPECT_EQ(histogram.percentile(1.0), ns(100'000));
    const auto lowest = histogram.percentile(0.001).count();
    EXPECT_GE(lowest, 1000);
    EXPECT_LE(lowest, 1000 + 1000 / 32);
}

TEST(LatencyHistogram, NoPercentileExceedsTheLargestSample) {
    LatencyHistogram histogram;
    histogram.record(ns(1'000'001));  // inside a bucket whose top is larger
    EXPECT_EQ(histogram.percentile(1.0), ns(1'000'001));
    EXPECT_EQ(histogram.max(), ns(1'000'001));
}

TEST(LatencyHistogram, NegativeLatenciesCountAsZero) {
    LatencyHistogram histogram;
    histogram.record(ns(-5));
    EXPECT_EQ(histogram.count(), 1U);
    EXPECT_EQ(histogram.percentile(1.0), Duration::zero());
}

TEST(LatencyHistogram, TheLongestRepresentableDurationIsRecorded) {
    LatencyHistogram histogram;
    const Duration longest = Duration::max();
    histogram.record(longest);
    EXPECT_EQ(histogram.max(), longest);
    EXPECT_EQ(histogram.percentile(1.0), longest);
}

TEST(LatencyHistogram, MergingAddsTheCountsAndKeepsTheLargerMax) {
    LatencyHistogram fast;
    LatencyHistogram slow;
    for (int i = 0; i < 90; ++i) fast.record(ns(100));
    for (int i = 0; i < 10; ++i) slow.record(ns(1'000'000));
    fast.merge(slow);
    EXPECT_EQ(fast.count(), 100U);
    EXPECT_EQ(fast.max(), ns(1'000'000));
    EXPECT_LE(fast.percentile(0.9).count(), 101);
    EXPECT_GE(fast.percentile(0.91).count(), 1'000'000);
}

}  // namespace
}  // namespace cmdlink::core
