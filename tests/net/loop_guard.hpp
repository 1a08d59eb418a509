#pragma once

#include <gtest/gtest.h>

#include <chrono>

#include "net/event_loop.hpp"

namespace cmdlink::net {

// Runs the loop until something stops it, or fails the test once `limit` has passed: no
// test here can hang, and none asserts on how fast anything was.
inline void run_bounded(EventLoop& loop, core::Duration limit = std::chrono::seconds(5)) {
    bool timed_out = false;
    Timer guard(loop, [&] {
        timed_out = true;
        loop.stop();
    });
    loop.refresh_now();
    guard.arm(loop.now() + limit);
    auto ran = loop.run();
    ASSERT_TRUE(ran) << ran.error();
    ASSERT_FALSE(timed_out) << "the loop was still running after the time limit";
}

inline std::unique_ptr<EventLoop> make_loop() {
    auto loop = EventLoop::create();
    EXPECT_TRUE(loop) << loop.error();
    return loop ? std::move(loop.value()) : nullptr;
}

}  // namespace cmdlink::net
