#pragma once

#include <functional>

#include "core/clock.hpp"
#include "net/event_loop.hpp"

namespace cmdlink::runner {

// Keeps one loop timer aimed at a state machine's next_deadline().
//
// An idle timeout moves later with every message; cancelling and re-adding a loop timer
// each time would cost a heap entry and a map node per message. A later deadline is only
// remembered instead: the timer already armed fires early, sees the wanted time has moved,
// and re-arms once. An earlier deadline re-arms at once.
class DeadlineTimer {
  public:
    DeadlineTimer(net::EventLoop& loop, std::function<void()> on_due)
        : loop_(loop), on_due_(std::move(on_due)) {}
    DeadlineTimer(const DeadlineTimer&) = delete;
    DeadlineTimer& operator=(const DeadlineTimer&) = delete;
    ~DeadlineTimer() { cancel(); }

    void arm(core::TimePoint at) {
        wanted_ = at;
        if (at == core::kNever) return;  // a timer still armed finds nothing wanted and ends
        if (timer_ != 0 && armed_at_ <= at) return;
        start_timer(at);
    }

    void cancel() {
        if (timer_ != 0) loop_.cancel_timer(timer_);
        timer_ = 0;
        armed_at_ = core::kNever;
        wanted_ = core::kNever;
    }

  private:
    void start_timer(core::TimePoint at) {
        if (timer_ != 0) loop_.cancel_timer(timer_);
        armed_at_ = at;
        timer_ = loop_.add_timer(at, [this] {
            timer_ = 0;
            armed_at_ = core::kNever;
            if (wanted_ == core::kNever) return;
            if (wanted_ > loop_.now()) return start_timer(wanted_);
            wanted_ = core::kNever;
            on_due_();
        });
    }

    net::EventLoop& loop_;
    std::function<void()> on_due_;
    net::EventLoop::TimerId timer_ = 0;
    core::TimePoint armed_at_ = core::kNever;
    core::TimePoint wanted_ = core::kNever;
};

}  // namespace cmdlink::runner
