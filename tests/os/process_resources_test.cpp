#include "os/process_resources.hpp"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

namespace cmdlink::os {
namespace {

TEST(ProcessResources, PeakRssIsPositive) {
    EXPECT_GT(peak_rss_kb(), 0U);
}

TEST(ProcessResources, CpuTimeOfThisProcessMatchesGetrusage) {
    volatile std::uint64_t sink = 0;
    for (std::uint64_t i = 0; i < 50'000'000; ++i) sink = sink + i;
    const auto own = cpu_time();
    const auto from_proc = cpu_time_of(::getpid());
    ASSERT_TRUE(from_proc.has_value());
    EXPECT_GT(own.total_s(), 0);
    // /proc counts in clock ticks (10 ms), so the two agree only to a few ticks.
    EXPECT_NEAR(from_proc->total_s(), own.total_s(), 0.1);
    EXPECT_GT(thread_cpu_seconds(), 0);
}

TEST(ProcessResources, CpuTimeOfAMissingProcessIsEmpty) {
    EXPECT_FALSE(cpu_time_of(0x3ffffff0).has_value());
}

TEST(ProcessResources, OpenFileLimitNeverDropsAndReportsWhatHolds) {
    rlimit before{};
    ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &before), 0);
    EXPECT_EQ(raise_open_file_limit(16), before.rlim_cur);
    const auto wanted = before.rlim_cur + 1;
    const auto now = raise_open_file_limit(wanted);
    rlimit after{};
    ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &after), 0);
    EXPECT_EQ(now, after.rlim_cur);
    EXPECT_GE(after.rlim_cur, before.rlim_cur);
}

}  // namespace
}  // namespace cmdlink::os
