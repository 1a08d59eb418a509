#include "net/loop_waker.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace cmdlink::net {
namespace {

TEST(LoopWaker, NotifyFromAnotherThreadRunsTheCallbackOnTheLoop) {
    auto loop = EventLoop::create();
    ASSERT_TRUE(loop) << loop.error();
    std::thread::id ran_on;
    int calls = 0;
    auto waker = LoopWaker::create(*loop.value(), [&] {
        ran_on = std::this_thread::get_id();
        ++calls;
        loop.value()->stop();
    });
    ASSERT_TRUE(waker) << waker.error();
    std::thread other([&] { waker.value()->notify(); });
    loop.value()->run();
    other.join();
    EXPECT_EQ(calls, 1);
    EXPECT_EQ(ran_on, std::this_thread::get_id());
}

TEST(LoopWaker, NotificationsBeforeTheLoopRunsCoalesce) {
    auto loop = EventLoop::create();
    ASSERT_TRUE(loop) << loop.error();
    int calls = 0;
    auto waker = LoopWaker::create(*loop.value(), [&] { ++calls; });
    ASSERT_TRUE(waker) << waker.error();
    for (int i = 0; i < 5; ++i) waker.value()->notify();
    loop.value()->add_timer(loop.value()->now() + std::chrono::milliseconds(20),
                            [&] { loop.value()->stop(); });
    loop.value()->run();
    EXPECT_EQ(calls, 1);
}

}  // namespace
}  // namespace cmdlink::net
