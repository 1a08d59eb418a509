#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <queue>
#include <unordered_map>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "os/unique_fd.hpp"

namespace cmdlink::net {

using os::UniqueFd;

// Something with a file descriptor the loop watches; the loop never owns it.
class FdWatcher {
  public:
    virtual ~FdWatcher() = default;
    virtual void on_fd_ready(bool readable, bool writable, bool failed) = 0;
};

// A single-threaded epoll loop with a timer heap: file events plus timers, nothing else.
class EventLoop {
  public:
    using TimerId = std::uint64_t;
    using TimerCallback = std::function<void()>;

    static core::Result<std::unique_ptr<EventLoop>> create();
    ~EventLoop();
    EventLoop(const EventLoop&) = delete;
    EventLoop& operator=(const EventLoop&) = delete;

    core::Result<bool> watch(int fd, bool want_write, FdWatcher& watcher);
    void set_write_interest(int fd, bool want_write, FdWatcher& watcher);
    void unwatch(int fd);

    TimerId add_timer(core::TimePoint at, TimerCallback callback);
    void cancel_timer(TimerId id);

    // SIGINT and SIGTERM arrive as events, through a signalfd, not as async handlers.
    core::Result<bool> on_signals(const std::vector<int>& signals,
                                  std::function<void(int)> callback);

    void run();
    void stop() { running_ = false; }
    [[nodiscard]] core::TimePoint now() const { return now_; }
    void refresh_now() { now_ = core::Clock::now(); }

  private:
    explicit EventLoop(UniqueFd epoll_fd);
    class SignalWatcher;

    int next_timeout_ms() const;
    void run_due_timers();

    struct TimerEntry {
        core::TimePoint at;
        TimerId id;
        bool operator>(const TimerEntry& other) const {
            return at != other.at ? at > other.at : id > other.id;
        }
    };

    UniqueFd epoll_fd_;
    bool running_ = false;
    core::TimePoint now_ = core::Clock::now();
    TimerId next_timer_id_ = 1;
    std::priority_queue<TimerEntry, std::vector<TimerEntry>, std::greater<>> timer_heap_;
    std::unordered_map<TimerId, TimerCallback> timers_;
    std::unique_ptr<SignalWatcher> signal_watcher_;
};

}  // namespace cmdlink::net
