#include "core/random_source.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <set>

#include "recording_output.hpp"

namespace cmdlink::core {
namespace {

using test_support::ScriptedRandom;
using test_support::SeededRandom;

constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();

TEST(RandomSource, UniformOfASinglePointDrawsNothing) {
    ScriptedRandom random;
    EXPECT_EQ(random.uniform(5, 5), 5U);
    EXPECT_EQ(random.uniform(9, 3), 9U);  // an empty range yields its low end
    EXPECT_EQ(random.draws, 0U);
}

TEST(RandomSource, UniformMapsASmallDrawOntoTheRange) {
    ScriptedRandom random({0, 1, 2, 3, 10});
    EXPECT_EQ(random.uniform(3, 11), 3U);
    EXPECT_EQ(random.uniform(3, 11), 4U);
    EXPECT_EQ(random.uniform(0, 2), 2U);
    EXPECT_EQ(random.uniform(0, 2), 0U);
    EXPECT_EQ(random.uniform(0, 6), 3U);
}

TEST(RandomSource, UniformRejectsDrawsBeyondTheLastWholeSpan) {
    // 2^64 - 1 is a multiple of 3, so the limit is 2^64 - 1 itself and that draw is rejected.
    ScriptedRandom random({kMax, kMax, 4});
    EXPECT_EQ(random.uniform(0, 2), 1U);
    EXPECT_EQ(random.draws, 3U);
}

TEST(RandomSource, UniformOverTheWholeRangeReturnsTheRawDraw) {
    ScriptedRandom random({kMax, 12345});
    EXPECT_EQ(random.uniform(0, kMax), kMax);
    EXPECT_EQ(random.uniform(0, kMax), 12345U);
}

TEST(RandomSource, UniformStaysInRangeAndReachesBothEnds) {
    SeededRandom random(11);
    std::set<std::uint64_t> seen;
    for (int i = 0; i < 2000; ++i) {
        const std::uint64_t value = random.uniform(3, 11);
        ASSERT_GE(value, 3U);
        ASSERT_LE(value, 11U);
        seen.insert(value);
    }
    EXPECT_EQ(seen.size(), 9U);
}

}  // namespace
}  // namespace cmdlink::core
