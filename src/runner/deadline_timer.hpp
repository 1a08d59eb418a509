#pragma once

#include <functional>

#include "core/clock.hpp"
#include "net/event_loop.hpp"

namespace cmdlink::runner {

// Keeps one loop timer aimed at a state machine's next_deadline(); re-arms only on change,
// so a busy session costs no timer churn per message.
class DeadlineTimer {
  public:
    DeadlineTimer(net::EventLoop& loop, std::function<void()> on_due)
        : loop_(loop), on_due_(std::move(on_due)) {}
    DeadlineTimer(const DeadlineTimer&) = delete;
    DeadlineTimer& operator=(const DeadlineTimer&) = delete;
    ~DeadlineTimer() { cancel(); }

    void arm(core::TimePoint at) {
        if (at == armed_at_) return;
        cancel();
        if (at == core::kNever) return;
        armed_at_ = at;
        timer_ = loop_.add_timer(at, [this] {
            timer_ = 0;
            armed_at_ = core::kNever;
            on_due_();
        });
    }

    void cancel() {
        if (timer_ != 0) loop_.cancel_timer(timer_);
        timer_ = 0;
        armed_at_ = core::kNever;
    }

  private:
    net::EventLoop& loop_;
    std::function<void()> on_due_;
    net::EventLoop::TimerId timer_ = 0;
    core::TimePoint armed_at_ = core::kNever;
};

}  // namespace cmdlink::runner
