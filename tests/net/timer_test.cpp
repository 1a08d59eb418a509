#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "loop_guard.hpp"
#include "net/event_loop.hpp"

namespace cmdlink::net {
namespace {

using namespace std::chrono_literals;

TEST(Timer, FiresOnceAtItsDeadline) {
    auto loop = make_loop();
    int fired = 0;
    Timer timer(*loop, [&] { ++fired; });
    Timer stopper(*loop, [&] { loop->stop(); });
    timer.arm(loop->now() + 1ms);
    stopper.arm(loop->now() + 30ms);
    EXPECT_TRUE(timer.armed());
    run_bounded(*loop);
    EXPECT_EQ(fired, 1);
    EXPECT_FALSE(timer.armed());
}

TEST(Timer, NeverFiresBeforeItsDeadline) {
    auto loop = make_loop();
    core::TimePoint deadline;
    core::TimePoint fired_at;
    Timer timer(*loop, [&] {
        fired_at = core::Clock::now();
        loop->stop();
    });
    deadline = loop->now() + 15ms;
    timer.arm(deadline);
    run_bounded(*loop);
    EXPECT_GE(fired_at, deadline);
}

TEST(Timer, ACancelledTimerDoesNotFire) {
    auto loop = make_loop();
    int fired = 0;
    Timer timer(*loop, [&] { ++fired; });
    Timer stopper(*loop, [&] { loop->stop(); });
    timer.arm(loop->now());
    timer.cancel();
    stopper.arm(loop->now() + 20ms);
    run_bounded(*loop);
    EXPECT_EQ(fired, 0);
    EXPECT_FALSE(timer.armed());
}

TEST(Timer, ADestroyedTimerDoesNotFire) {
    auto loop = make_loop();
    int fired = 0;
    auto timer = std::make_unique<Timer>(*loop, [&] { ++fired; });
    Timer stopper(*loop, [&] { loop->stop(); });
    timer->arm(loop->now());
    timer.reset();
    stopper.arm(loop->now() + 20ms);
    run_bounded(*loop);
    EXPECT_EQ(fired, 0);
}

TEST(Timer, ATimerDestroyedByAnEarlierTimerOfTheSameTurnDoesNotFire) {
    auto loop = make_loop();
    int fired = 0;
    auto victim = std::make_unique<Timer>(*loop, [&] { ++fired; });
    Timer killer(*loop, [&] { victim.reset(); });
    Timer stopper(*loop, [&] { loop->stop(); });
    killer.arm(loop->now());
    victim->arm(loop->now());
    stopper.arm(loop->now() + 20ms);
    run_bounded(*loop);
    EXPECT_EQ(fired, 0);
}

TEST(Timer, ArmingAnArmedTimerMovesItsDeadline) {
    auto loop = make_loop();
    int fired = 0;
    Timer timer(*loop, [&] {
        ++fired;
        loop->stop();
    });
    timer.arm(loop->now() + 1h);
    timer.arm(loop->now() + 1ms);
    EXPECT_EQ(timer.deadline(), loop->now() + 1ms);
    run_bounded(*loop);
    EXPECT_EQ(fired, 1);
}

TEST(Timer, TimersFireInDeadlineOrderAndEqualDeadlinesInArmingOrder) {
    auto loop = make_loop();
    std::vector<std::string> log;
    const auto base = loop->now();
    Timer late(*loop, [&] {
        log.emplace_back("late");
        loop->stop();
    });
    Timer early_b(*loop, [&] { log.emplace_back("early b"); });
    Timer early_a(*loop, [&] { log.emplace_back("early a"); });
    Timer earliest(*loop, [&] { log.emplace_back("earliest"); });
    late.arm(base + 3ms);
    early_a.arm(base + 2ms);
    early_b.arm(base + 2ms);
    earliest.arm(base + 1ms);
    run_bounded(*loop);
    EXPECT_EQ(log, (std::vector<std::string>{"earliest", "early a", "early b", "late"}));
}

TEST(Timer, ManyTimersArmedAndCancelledAtRandomPlacesFireInOrder) {
    auto loop = make_loop();
    std::vector<int> fired;
    std::vector<std::unique_ptr<Timer>> timers;
    const auto base = loop->now();
    for (int i = 0; i < 64; ++i) {
        timers.push_back(std::make_unique<Timer>(*loop, [&fired, i] { fired.push_back(i); }));
    }
    // Deadlines in a scrambled order; every third timer is cancelled again.
    for (int i = 0; i < 64; ++i) {
        const int slot = (i * 37) % 64;
        timers[static_cast<std::size_t>(slot)]->arm(base + std::chrono::microseconds(slot * 10));
    }
    for (int i = 0; i < 64; i += 3) timers[static_cast<std::size_t>(i)]->cancel();
    Timer stopper(*loop, [&] { loop->stop(); });
    stopper.arm(base + 20ms);
    run_bounded(*loop);
    std::vector<int> expected;
    for (int i = 0; i < 64; ++i) {
        if (i % 3 != 0) expected.push_back(i);
    }
    EXPECT_EQ(fired, expected);
}

TEST(Timer, ATimerRearmedForNowFromItsOwnCallbackFiresInTheNextTurn) {
    auto loop = make_loop();
    std::vector<std::uint64_t> turns;
    std::unique_ptr<Timer> timer;
    timer = std::make_unique<Timer>(*loop, [&] {
        turns.push_back(loop->turns());
        if (turns.size() < 3) {
            timer->arm(loop->now());
        } else {
            loop->stop();
        }
    });
    timer->arm(loop->now());
    run_bounded(*loop);
    ASSERT_EQ(turns.size(), 3U);
    EXPECT_LT(turns[0], turns[1]);
    EXPECT_LT(turns[1], turns[2]);
}

TEST(Timer, LowLevelTimersFireOnceAndCanBeCancelled) {
    auto loop = make_loop();
    int fired = 0;
    int cancelled_fired = 0;
    loop->add_timer(loop->now(), [&] { ++fired; });
    const auto cancelled = loop->add_timer(loop->now(), [&] { ++cancelled_fired; });
    loop->cancel_timer(cancelled);
    loop->add_timer(loop->now() + 20ms, [&] { loop->stop(); });
    run_bounded(*loop);
    EXPECT_EQ(fired, 1);
    EXPECT_EQ(cancelled_fired, 0);
}

TEST(Timer, ALowLevelTimerMayCancelItselfFromItsOwnCallback) {
    auto loop = make_loop();
    EventLoop::TimerId id = 0;
    int fired = 0;
    id = loop->add_timer(loop->now(), [&] {
        ++fired;
        loop->cancel_timer(id);
        loop->stop();
    });
    run_bounded(*loop);
    EXPECT_EQ(fired, 1);
}

}  // namespace
}  // namespace cmdlink::net

namespace cmdlink::net {
namespace {

TEST(Timer, RandomArmsCancelsAndRearmsKeepEveryTimerInDeadlineOrder) {
    auto loop = make_loop();
    constexpr int kTimers = 300;
    std::vector<int> fired;
    std::vector<std::unique_ptr<Timer>> timers;
    for (int i = 0; i < kTimers; ++i) {
        timers.push_back(std::make_unique<Timer>(*loop, [&fired, i] { fired.push_back(i); }));
    }
    // All deadlines lie in the past, so one turn fires every armed timer.
    const auto base = loop->now() - std::chrono::seconds(10);
    std::vector<std::pair<core::TimePoint, int>> expected_by_time(kTimers);
    std::vector<std::uint64_t> armed_order(kTimers, 0);
    std::vector<bool> armed(kTimers, false);
    std::uint64_t order = 0;
    std::uint32_t state = 12345;
    auto next_random = [&state] {
        state = state * 1664525U + 1013904223U;
        return state >> 8;
    };
    for (int step = 0; step < 5000; ++step) {
        const auto i = static_cast<std::size_t>(next_random() % kTimers);
        if (next_random() % 4 == 0) {
            timers[i]->cancel();
            armed[i] = false;
        } else {
            const auto at = base + std::chrono::microseconds(next_random() % 1000);
            timers[i]->arm(at);
            armed[i] = true;
            armed_order[i] = ++order;
            expected_by_time[i] = {at, static_cast<int>(i)};
        }
    }
    std::vector<std::tuple<core::TimePoint, std::uint64_t, int>> expected;
    for (std::size_t i = 0; i < kTimers; ++i) {
        if (armed[i]) expected.emplace_back(expected_by_time[i].first, armed_order[i], i);
    }
    std::sort(expected.begin(), expected.end());
    std::vector<int> expected_ids;
    for (const auto& entry : expected) expected_ids.push_back(std::get<2>(entry));
    Timer stopper(*loop, [&] { loop->stop(); });
    stopper.arm(loop->now() + 10ms);
    run_bounded(*loop);
    EXPECT_EQ(fired, expected_ids);
}

}  // namespace
}  // namespace cmdlink::net
