#pragma once

#include <functional>

#include "core/result.hpp"
#include "net/event_loop.hpp"

namespace cmdlink::net {

// The one thread-safe way into an EventLoop: another thread calls notify(), and the callback
// runs on the loop's own thread. Notifications before the callback runs coalesce.
class LoopWaker final : private FdWatcher {
  public:
    static core::Result<std::unique_ptr<LoopWaker>> create(EventLoop& loop,
                                                           std::function<void()> callback);
    ~LoopWaker() override;
    LoopWaker(const LoopWaker&) = delete;
    LoopWaker& operator=(const LoopWaker&) = delete;

    // Safe from any thread, and from a signal handler.
    void notify();

  private:
    LoopWaker(EventLoop& loop, UniqueFd fd, std::function<void()> callback);
    void on_fd_ready(bool readable, bool writable, bool failed) override;

    EventLoop& loop_;
    UniqueFd fd_;
    std::function<void()> callback_;
};

}  // namespace cmdlink::net
