#pragma once

#include <functional>

#include "core/clock.hpp"
#include "net/event_loop.hpp"

namespace cmdlink::runner {

// Keeps one loop timer aimed at a state machine's next_deadline().
//
// An idle timeout moves later with every message; moving the armed timer each time would
// cost two heap operations per message. A later deadline is only remembered instead: the
// timer already armed fires early, sees the wanted time has moved, and re-arms once. An
// earlier deadline re-arms at once.
class DeadlineTimer {
  public:
    DeadlineTimer(net::EventLoop& loop, std::function<void()> on_due)
        : loop_(loop), on_due_(std::move(on_due)), timer_(loop, [this] { on_timer(); }) {}
    DeadlineTimer(const DeadlineTimer&) = delete;
    DeadlineTimer& operator=(const DeadlineTimer&) = delete;

    void arm(core::TimePoint at) {
        wanted_ = at;
        if (at == core::kNever) return;  // a timer still armed finds nothing wanted and ends
        if (timer_.armed() && timer_.deadline() <= at) return;
        timer_.arm(at);
    }

    void cancel() {
        timer_.cancel();
        wanted_ = core::kNever;
    }

  private:
    void on_timer() {
        if (wanted_ == core::kNever) return;
        if (wanted_ > loop_.now()) return timer_.arm(wanted_);
        wanted_ = core::kNever;
        on_due_();
    }

    net::EventLoop& loop_;
    std::function<void()> on_due_;
    net::Timer timer_;
    core::TimePoint wanted_ = core::kNever;
};

}  // namespace cmdlink::runner
