#include "runner/deadline_timer.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>

namespace cmdlink::runner {
namespace {

using namespace std::chrono_literals;

struct LoopFixture : ::testing::Test {
    void SetUp() override {
        auto created = net::EventLoop::create();
        ASSERT_TRUE(created) << created.error();
        loop = std::move(created.value());
    }

    // Stops the loop at `limit`; true if something else stopped it first.
    bool run_until(core::Duration limit) {
        bool timed_out = false;
        net::Timer guard(*loop, [&] {
            timed_out = true;
            loop->stop();
        });
        guard.arm(loop->now() + limit);
        auto ran = loop->run();
        EXPECT_TRUE(ran) << ran.error();
        return !timed_out;
    }

    std::unique_ptr<net::EventLoop> loop;
};

using DeadlineTimerTest = LoopFixture;

TEST_F(DeadlineTimerTest, FiresOnceAtTheDeadline) {
    int due = 0;
    DeadlineTimer timer(*loop, [&] {
        ++due;
        loop->stop();
    });
    timer.arm(loop->now() + 1ms);
    EXPECT_TRUE(run_until(5s));
    EXPECT_EQ(due, 1);
}

TEST_F(DeadlineTimerTest, ALaterDeadlineIsHonouredNotTheFirstOne) {
    core::TimePoint fired_at;
    DeadlineTimer timer(*loop, [&] {
        fired_at = core::Clock::now();
        loop->stop();
    });
    const auto later = loop->now() + 30ms;
    timer.arm(loop->now() + 1ms);
    timer.arm(later);
    EXPECT_TRUE(run_until(5s));
    EXPECT_GE(fired_at, later);
}

TEST_F(DeadlineTimerTest, AnEarlierDeadlineReplacesALaterOne) {
    int due = 0;
    DeadlineTimer timer(*loop, [&] {
        ++due;
        loop->stop();
    });
    timer.arm(loop->now() + 1h);
    timer.arm(loop->now() + 1ms);
    EXPECT_TRUE(run_until(5s));
    EXPECT_EQ(due, 1);
}

TEST_F(DeadlineTimerTest, NeverOrCancelMeansItDoesNotFire) {
    int due = 0;
    DeadlineTimer never(*loop, [&] { ++due; });
    DeadlineTimer cancelled(*loop, [&] { ++due; });
    never.arm(loop->now() + 1ms);
    never.arm(core::kNever);
    cancelled.arm(loop->now() + 1ms);
    cancelled.cancel();
    EXPECT_FALSE(run_until(30ms));
    EXPECT_EQ(due, 0);
}

}  // namespace
}  // namespace cmdlink::runner
