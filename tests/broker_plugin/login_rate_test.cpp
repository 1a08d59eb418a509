#include "broker_plugin/login_rate.hpp"

#include <gtest/gtest.h>

namespace cmdlink::broker_plugin {
namespace {

using Clock = LoginRateLimiter::Clock;
using std::chrono::seconds;

int admitted(LoginRateLimiter& limiter, const std::string& account, int tries,
             Clock::time_point now) {
    int count = 0;
    for (int i = 0; i < tries; ++i) count += limiter.admit(account, now) ? 1 : 0;
    return count;
}

TEST(LoginRate, AdmitsABurstThenRefusesUntilTokensRefill) {
    LoginRateLimiter limiter(LoginRate{.per_minute = 6, .burst = 3});
    const Clock::time_point start{};
    EXPECT_EQ(admitted(limiter, "alice", 10, start), 3);
    // Six a minute: one token every 10 s.
    EXPECT_EQ(admitted(limiter, "alice", 5, start + seconds(9)), 0);
    EXPECT_EQ(admitted(limiter, "alice", 5, start + seconds(10)), 1);
    EXPECT_EQ(admitted(limiter, "alice", 5, start + seconds(30)), 2);
}

TEST(LoginRate, ABucketNeverHoldsMoreThanTheBurst) {
    LoginRateLimiter limiter(LoginRate{.per_minute = 60, .burst = 2});
    const Clock::time_point start{};
    EXPECT_EQ(admitted(limiter, "alice", 1, start), 1);
    EXPECT_EQ(admitted(limiter, "alice", 10, start + seconds(3600)), 2);
}

TEST(LoginRate, EachAccountHasItsOwnBucket) {
    LoginRateLimiter limiter(LoginRate{.per_minute = 1, .burst = 2});
    const Clock::time_point start{};
    EXPECT_EQ(admitted(limiter, "alice", 100, start), 2);
    EXPECT_EQ(admitted(limiter, "bob", 1, start), 1);
}

TEST(LoginRate, ATimeThatGoesBackRefillsNothing) {
    LoginRateLimiter limiter(LoginRate{.per_minute = 60, .burst = 1});
    const Clock::time_point start = Clock::time_point{} + seconds(100);
    EXPECT_EQ(admitted(limiter, "alice", 1, start), 1);
    EXPECT_EQ(admitted(limiter, "alice", 1, start - seconds(50)), 0);
}

}  // namespace
}  // namespace cmdlink::broker_plugin
