#include "net/event_loop.hpp"

#include <sys/epoll.h>
#include <sys/signalfd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <string>
#include <utility>

namespace cmdlink::net {
namespace {

constexpr int kLongestWaitMs = 1000;

std::string errno_text(const char* what) {
    return std::string(what) + ": " + std::strerror(errno);
}

std::uint64_t event_data(int fd, std::uint32_t generation) {
    return (std::uint64_t{generation} << 32) | static_cast<std::uint32_t>(fd);
}

std::uint32_t event_mask(bool want_read, bool want_write) {
    return (want_read ? static_cast<std::uint32_t>(EPOLLIN) : 0U) |
           (want_write ? static_cast<std::uint32_t>(EPOLLOUT) : 0U);
}

}  // namespace

std::string signal_name(int signal) {
    if (const char* abbreviation = ::sigabbrev_np(signal)) {
        return std::string("SIG") + abbreviation;
    }
    return "signal " + std::to_string(signal);
}

class EventLoop::SignalWatcher : public FdWatcher {
  public:
    SignalWatcher(UniqueFd fd, std::function<void(int)> callback)
        : fd_(std::move(fd)), callback_(std::move(callback)) {}
    [[nodiscard]] int fd() const { return fd_.get(); }
    void on_fd_ready(bool /*readable*/, bool /*writable*/, bool /*failed*/) override {
        signalfd_siginfo info{};
        while (::read(fd_.get(), &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
            callback_(static_cast<int>(info.ssi_signo));
        }
    }

  private:
    UniqueFd fd_;
    std::function<void(int)> callback_;
};

EventLoop::EventLoop(UniqueFd epoll_fd) : epoll_fd_(std::move(epoll_fd)) {}

EventLoop::~EventLoop() {
    // What these own may still unwatch, cancel or post, so they go while the loop is whole.
    while (!doomed_.empty() || !owned_timers_.empty()) {
        decltype(doomed_) doomed;
        doomed.swap(doomed_);
        doomed.clear();
        decltype(owned_timers_) owned;
        owned.swap(owned_timers_);
        owned.clear();
    }
    posted_.clear();
    if (signal_watcher_) unwatch(signal_watcher_->fd());
}

core::Result<std::unique_ptr<EventLoop>> EventLoop::create() {
    UniqueFd fd(::epoll_create1(EPOLL_CLOEXEC));
    if (!fd.valid()) return core::system_error(errno_text("epoll_create1"));
    return std::unique_ptr<EventLoop>(new EventLoop(std::move(fd)));
}

core::Result<bool> EventLoop::watch(int fd, bool want_write, FdWatcher& watcher) {
    if (fd < 0) return core::Error{"cannot watch an invalid file descriptor"};
    const auto index = static_cast<std::size_t>(fd);
    if (index >= slots_.size()) slots_.resize(index + 1);
    const std::uint32_t generation = next_generation_++;
    epoll_event event{};
    event.events = event_mask(true, want_write);
    event.data.u64 = event_data(fd, generation);
    if (::epoll_ctl(epoll_fd_.get(), EPOLL_CTL_ADD, fd, &event) != 0) {
        return core::system_error(errno_text("epoll_ctl(ADD)"));
    }
    slots_[index] = WatchSlot{&watcher, generation};
    return true;
}

core::Result<bool> EventLoop::set_interest(int fd, bool want_read, bool want_write) {
    const auto index = static_cast<std::size_t>(fd);
    if (fd < 0 || index >= slots_.size() || slots_[index].watcher == nullptr) {
        return core::Error{"descriptor " + std::to_string(fd) + " is not watched"};
    }
    epoll_event event{};
    event.events = event_mask(want_read, want_write);
    event.data.u64 = event_data(fd, slots_[index].generation);
    if (::epoll_ctl(epoll_fd_.get(), EPOLL_CTL_MOD, fd, &event) != 0) {
        return core::system_error(errno_text("epoll_ctl(MOD)"));
    }
    return true;
}

void EventLoop::unwatch(int fd) {
    const auto index = static_cast<std::size_t>(fd);
    if (fd < 0 || index >= slots_.size()) return;
    slots_[index] = WatchSlot{};
    // Fails only when the descriptor is already closed, and closing it left epoll already.
    [[maybe_unused]] const int removed = ::epoll_ctl(epoll_fd_.get(), EPOLL_CTL_DEL, fd, nullptr);
}

void EventLoop::post(std::function<void()> callback) {
    posted_.push_back(std::move(callback));
}

EventLoop::TimerId EventLoop::add_timer(core::TimePoint at, TimerCallback callback) {
    const TimerId id = next_owned_timer_id_++;
    auto timer = std::make_unique<Timer>(*this, [this, id, callback = std::move(callback)] {
        // The timer, and so this callback, lives on until the callback has returned.
        retire_owned_timer(id);
        callback();
    });
    timer->arm(at);
    owned_timers_.emplace(id, std::move(timer));
    return id;
}

void EventLoop::cancel_timer(TimerId id) {
    owned_timers_.erase(id);
}

void EventLoop::retire_owned_timer(TimerId id) {
    auto found = owned_timers_.find(id);
    if (found == owned_timers_.end()) return;
    defer_delete(std::move(found->second));
    owned_timers_.erase(found);
}

core::Result<bool> EventLoop::on_signals(const std::vector<int>& signals,
                                         std::function<void(int)> callback) {
    sigset_t mask;
    if (sigemptyset(&mask) != 0) return core::system_error(errno_text("sigemptyset"));
    for (const int signal : signals) {
        if (sigaddset(&mask, signal) != 0) return core::system_error(errno_text("sigaddset"));
    }
    if (::sigprocmask(SIG_BLOCK, &mask, nullptr) != 0) {
        return core::system_error(errno_text("sigprocmask"));
    }
    UniqueFd fd(::signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC));
    if (!fd.valid()) return core::system_error(errno_text("signalfd"));
    auto watcher = std::make_unique<SignalWatcher>(std::move(fd), std::move(callback));
    auto watched = watch(watcher->fd(), false, *watcher);
    if (!watched) return watched;
    if (signal_watcher_) unwatch(signal_watcher_->fd());
    signal_watcher_ = std::move(watcher);
    return true;
}

bool EventLoop::has_pending_work() const {
    return !posted_.empty() || !doomed_.empty() || !before_sleep_.empty();
}

int EventLoop::next_timeout_ms() const {
    if (has_pending_work()) return 0;
    if (timer_heap_.empty()) return kLongestWaitMs;
    const auto wait = timer_heap_.earliest().deadline() - core::Clock::now();
    if (wait <= core::Duration::zero()) return 0;
    // Round up, so a timer never fires a little early and spins the loop.
    const auto ms = std::chrono::ceil<std::chrono::milliseconds>(wait).count();
    return ms > kLongestWaitMs ? kLongestWaitMs : static_cast<int>(ms);
}

void EventLoop::after_callback() {
    if (!posted_.empty()) {
        // Only what was posted so far: see post().
        running_posted_.swap(posted_);
        for (auto& callback : running_posted_) callback();
        running_posted_.clear();
    }
    while (!doomed_.empty()) {
        decltype(doomed_) doomed;
        doomed.swap(doomed_);
        doomed.clear();  // destructors that defer more deletions go round again
    }
}

void EventLoop::dispatch(std::uint64_t data, std::uint32_t flags) {
    const auto index = static_cast<std::size_t>(data & 0xffffffffU);
    const auto generation = static_cast<std::uint32_t>(data >> 32);
    // ae.c's "still valid" check: a callback earlier in this batch may have unwatched the
    // descriptor, destroyed its watcher, or closed it and watched a new one of that number.
    if (index >= slots_.size()) return;
    const WatchSlot slot = slots_[index];
    if (slot.watcher == nullptr || slot.generation != generation) return;
    slot.watcher->on_fd_ready((flags & EPOLLIN) != 0U, (flags & EPOLLOUT) != 0U,
                              (flags & (EPOLLERR | EPOLLHUP)) != 0U);
    after_callback();
}

void EventLoop::run_due_timers() {
    now_ = core::Clock::now();
    // Timers armed from here on wait for the next turn, so one re-arming itself for "now"
    // cannot hold the loop in this step (ae.c's maxId).
    const std::uint64_t first_new_sequence = next_timer_sequence_;
    while (running_ && !timer_heap_.empty()) {
        Timer& timer = timer_heap_.earliest();
        if (timer.at_ > now_ || timer.sequence_ >= first_new_sequence) return;
        timer_heap_.remove(timer);
        timer.at_ = core::kNever;
        timer.callback_();  // may destroy the timer: touch it no more
        after_callback();
    }
}

void EventLoop::run_before_sleep_tasks() {
    after_callback();  // anything posted or doomed outside a callback, e.g. before run()
    running_before_sleep_.swap(before_sleep_);
    // Nothing is added to this vector meanwhile; a task destroyed by an earlier one is
    // nulled in it, and each is nulled as it runs, so that its destructor finds no trace.
    for (BeforeSleepTask*& slot : running_before_sleep_) {
        BeforeSleepTask* task = std::exchange(slot, nullptr);
        if (task == nullptr) continue;
        task->scheduled_ = false;
        task->callback_();
        after_callback();
    }
    running_before_sleep_.clear();
}

core::Result<bool> EventLoop::run() {
    running_ = true;
    std::array<epoll_event, 256> events{};
    while (running_) {
        run_before_sleep_tasks();
        if (!running_) break;
        ++turns_;
        const int count = ::epoll_wait(epoll_fd_.get(), events.data(),
                                       static_cast<int>(events.size()), next_timeout_ms());
        if (count < 0 && errno != EINTR) {
            running_ = false;
            return core::system_error(errno_text("epoll_wait"));
        }
        now_ = core::Clock::now();
        for (int i = 0; i < count && running_; ++i) {
            const epoll_event& event = events[static_cast<std::size_t>(i)];
            dispatch(event.data.u64, event.events);
        }
        run_due_timers();
    }
    run_before_sleep_tasks();
    return true;
}

Timer::Timer(EventLoop& loop, std::function<void()> callback)
    : loop_(loop), callback_(std::move(callback)) {}

void Timer::arm(core::TimePoint at) {
    loop_.timer_heap_.remove(*this);
    at_ = at;
    sequence_ = loop_.next_timer_sequence_++;
    loop_.timer_heap_.insert(*this);
}

void Timer::cancel() {
    loop_.timer_heap_.remove(*this);
    at_ = core::kNever;
}

BeforeSleepTask::BeforeSleepTask(EventLoop& loop, std::function<void()> callback)
    : loop_(loop), callback_(std::move(callback)) {}

BeforeSleepTask::~BeforeSleepTask() {
    if (!scheduled_) return;
    for (auto* list : {&loop_.before_sleep_, &loop_.running_before_sleep_}) {
        std::replace(list->begin(), list->end(), this, static_cast<BeforeSleepTask*>(nullptr));
    }
}

void BeforeSleepTask::schedule() {
    if (scheduled_) return;
    scheduled_ = true;
    loop_.before_sleep_.push_back(this);
}

}  // namespace cmdlink::net
