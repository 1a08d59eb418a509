#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "net/timer_heap.hpp"
#include "os/unique_fd.hpp"

namespace cmdlink::net {

using os::UniqueFd;

// Something with a file descriptor the loop watches; the loop never owns it.
class FdWatcher {
  public:
    virtual ~FdWatcher() = default;
    virtual void on_fd_ready(bool readable, bool writable, bool failed) = 0;
};

class Timer;
class BeforeSleepTask;

// "SIGHUP", "SIGINT", ...: how a log line names a signal; "signal N" for one without a name.
std::string signal_name(int signal);

// A single-threaded epoll loop in the manner of redis' ae.c: file events and timers, plus
// the few primitives (Envoy's Dispatcher names them) that make a callback safe to write.
//
// One turn of the loop, in this order:
//   1. before-sleep tasks (BeforeSleepTask), e.g. each connection writing what it queued;
//   2. epoll_wait, for no longer than the next timer (not at all if work is pending);
//   3. the watchers of the ready descriptors, skipping any unwatched earlier in the batch;
//   4. the timers due, in deadline order (a timer armed during this step waits a turn).
// After every callback of steps 1, 3 and 4, the loop runs what that callback post()ed, then
// destroys what it handed to defer_delete(). Nothing here is thread-safe: LoopWaker is the
// one way in from another thread. Timers and tasks must not outlive their loop.
class EventLoop {
  public:
    static core::Result<std::unique_ptr<EventLoop>> create();
    ~EventLoop();
    EventLoop(const EventLoop&) = delete;
    EventLoop& operator=(const EventLoop&) = delete;

    // A descriptor is watched for reading, and for writing while want_write is set.
    core::Result<bool> watch(int fd, bool want_write, FdWatcher& watcher);
    core::Result<bool> set_write_interest(int fd, bool want_write) {
        return set_interest(fd, true, want_write);
    }
    // A watched descriptor that wants neither is kept, but only its errors and hang-ups wake it.
    core::Result<bool> set_interest(int fd, bool want_read, bool want_write);
    // After this returns, the watcher is not called again for `fd`, even for an event
    // already fetched in the current batch.
    void unwatch(int fd);

    // Runs `callback` once the current callback returns, in this turn and before the loop
    // sleeps, in the order posted. A callback posted while posted callbacks are running
    // waits for the next such point (the end of the next callback, or before the loop
    // sleeps), so a callback that keeps posting itself delays nothing else for ever.
    void post(std::function<void()> callback);

    // Destroys `object` once the current callback (and what it posted) has returned: the
    // way for a callback to delete whatever it is running inside.
    template <class T>
    void defer_delete(std::unique_ptr<T> object) {
        if (object)
            doomed_.emplace_back(object.release(), [](void* p) { delete static_cast<T*>(p); });
    }

    // The low-level timer layer, kept for callers not yet moved to Timer: a one-shot callback
    // the loop owns. Cancelling an ID that has fired, or was cancelled, does nothing.
    using TimerId = std::uint64_t;
    using TimerCallback = std::function<void()>;
    TimerId add_timer(core::TimePoint at, TimerCallback callback);
    void cancel_timer(TimerId id);

    // The signals named (SIGINT, SIGTERM, SIGHUP) arrive as events, through a signalfd, not
    // as async handlers: none of them ends the process by itself any more.
    core::Result<bool> on_signals(const std::vector<int>& signals,
                                  std::function<void(int)> callback);

    // Runs turns until stop(); an error only if epoll_wait itself fails. On the way out the
    // before-sleep tasks run once more, so that what was queued before stop() is written.
    core::Result<bool> run();
    void stop() { running_ = false; }
    [[nodiscard]] core::TimePoint now() const { return now_; }
    void refresh_now() { now_ = core::Clock::now(); }
    // How many times the loop has gone to epoll_wait: lets a test say "in the same turn".
    [[nodiscard]] std::uint64_t turns() const { return turns_; }

  private:
    explicit EventLoop(UniqueFd epoll_fd);
    class SignalWatcher;

    // Who watches a descriptor, and which watch() that was: epoll events carry both, so an
    // event for a descriptor unwatched (or closed and reused) earlier in a batch is skipped.
    struct WatchSlot {
        FdWatcher* watcher = nullptr;
        std::uint32_t generation = 0;
    };

    [[nodiscard]] bool has_pending_work() const;
    [[nodiscard]] int next_timeout_ms() const;
    void dispatch(std::uint64_t data, std::uint32_t flags);
    void run_due_timers();
    void run_before_sleep_tasks();
    // What a callback left behind: its posted callbacks, then its deferred deletions.
    void after_callback();
    void retire_owned_timer(TimerId id);

    UniqueFd epoll_fd_;
    bool running_ = false;
    core::TimePoint now_ = core::Clock::now();
    std::uint64_t turns_ = 0;
    std::vector<WatchSlot> slots_;  // indexed by descriptor
    std::uint32_t next_generation_ = 1;
    TimerHeap timer_heap_;
    std::uint64_t next_timer_sequence_ = 1;
    std::vector<std::function<void()>> posted_;
    std::vector<std::function<void()>> running_posted_;
    std::vector<std::unique_ptr<void, void (*)(void*)>> doomed_;
    std::vector<BeforeSleepTask*> before_sleep_;
    std::vector<BeforeSleepTask*> running_before_sleep_;
    TimerId next_owned_timer_id_ = 1;
    std::unordered_map<TimerId, std::unique_ptr<Timer>> owned_timers_;
    std::unique_ptr<SignalWatcher> signal_watcher_;

    friend class Timer;
    friend class BeforeSleepTask;
};

// A timer that cancels itself when destroyed, so that no callback can outlive its owner.
// Neither copyable nor movable: the loop's heap points at it.
class Timer {
  public:
    Timer(EventLoop& loop, std::function<void()> callback);
    ~Timer() { cancel(); }
    Timer(const Timer&) = delete;
    Timer& operator=(const Timer&) = delete;

    // Fires once at `at` (at once if `at` has passed); arming an armed timer moves it.
    void arm(core::TimePoint at);
    void cancel();
    [[nodiscard]] bool armed() const { return heap_index_ != TimerHeap::kNotInHeap; }
    // When it fires, if armed.
    [[nodiscard]] core::TimePoint deadline() const { return at_; }

  private:
    friend class EventLoop;
    friend class TimerHeap;

    EventLoop& loop_;
    std::function<void()> callback_;
    core::TimePoint at_ = core::kNever;
    std::uint64_t sequence_ = 0;  // orders timers with equal deadlines by arming time
    std::size_t heap_index_ = TimerHeap::kNotInHeap;
};

// Work to do once before the loop next sleeps, however often it was asked for in the turn:
// a connection flushes everything its callbacks queued in one write. Cancelled when
// destroyed. Scheduled again while it runs, it runs in the next turn.
class BeforeSleepTask {
  public:
    BeforeSleepTask(EventLoop& loop, std::function<void()> callback);
    ~BeforeSleepTask();
    BeforeSleepTask(const BeforeSleepTask&) = delete;
    BeforeSleepTask& operator=(const BeforeSleepTask&) = delete;

    void schedule();
    [[nodiscard]] bool scheduled() const { return scheduled_; }

  private:
    friend class EventLoop;

    EventLoop& loop_;
    std::function<void()> callback_;
    bool scheduled_ = false;
};

}  // namespace cmdlink::net
