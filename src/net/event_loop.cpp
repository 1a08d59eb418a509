#include "net/event_loop.hpp"

#include <sys/epoll.h>
#include <sys/signalfd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <string>

namespace cmdlink::net {
namespace {

std::string errno_text(const char* what) {
    return std::string(what) + ": " + std::strerror(errno);
}

}  // namespace

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

EventLoop::~EventLoop() = default;

core::Result<std::unique_ptr<EventLoop>> EventLoop::create() {
    UniqueFd fd(::epoll_create1(EPOLL_CLOEXEC));
    if (!fd.valid()) return core::system_error(errno_text("epoll_create1"));
    return std::unique_ptr<EventLoop>(new EventLoop(std::move(fd)));
}

core::Result<bool> EventLoop::watch(int fd, bool want_write, FdWatcher& watcher) {
    epoll_event event{};
    event.events = EPOLLIN | (want_write ? EPOLLOUT : 0U);
    event.data.ptr = &watcher;
    if (::epoll_ctl(epoll_fd_.get(), EPOLL_CTL_ADD, fd, &event) != 0) {
        return core::system_error(errno_text("epoll_ctl(ADD)"));
    }
    return true;
}

void EventLoop::set_write_interest(int fd, bool want_write, FdWatcher& watcher) {
    epoll_event event{};
    event.events = EPOLLIN | (want_write ? EPOLLOUT : 0U);
    event.data.ptr = &watcher;
    ::epoll_ctl(epoll_fd_.get(), EPOLL_CTL_MOD, fd, &event);
}

void EventLoop::unwatch(int fd) {
    ::epoll_ctl(epoll_fd_.get(), EPOLL_CTL_DEL, fd, nullptr);
}

EventLoop::TimerId EventLoop::add_timer(core::TimePoint at, TimerCallback callback) {
    const TimerId id = next_timer_id_++;
    timers_.emplace(id, std::move(callback));
    timer_heap_.push({at, id});
    return id;
}

void EventLoop::cancel_timer(TimerId id) {
    timers_.erase(id);
}

core::Result<bool> EventLoop::on_signals(const std::vector<int>& signals,
                                         std::function<void(int)> callback) {
    sigset_t mask;
    sigemptyset(&mask);
    for (const int signal : signals) sigaddset(&mask, signal);
    if (::sigprocmask(SIG_BLOCK, &mask, nullptr) != 0)
        return core::system_error(errno_text("sigprocmask"));
    UniqueFd fd(::signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC));
    if (!fd.valid()) return core::system_error(errno_text("signalfd"));
    auto watcher = std::make_unique<SignalWatcher>(std::move(fd), std::move(callback));
    auto watched = watch(watcher->fd(), false, *watcher);
    if (!watched) return watched;
    signal_watcher_ = std::move(watcher);
    return true;
}

int EventLoop::next_timeout_ms() const {
    if (timer_heap_.empty()) return 1000;
    const auto wait = timer_heap_.top().at - core::Clock::now();
    if (wait <= core::Duration::zero()) return 0;
    // Round up, so a timer never fires a little early and spins the loop.
    const auto ms = std::chrono::ceil<std::chrono::milliseconds>(wait).count();
    return ms > 1000 ? 1000 : static_cast<int>(ms);
}

void EventLoop::run_due_timers() {
    now_ = core::Clock::now();
    while (!timer_heap_.empty() && timer_heap_.top().at <= now_) {
        const TimerId id = timer_heap_.top().id;
        timer_heap_.pop();
        const auto found = timers_.find(id);
        if (found == timers_.end()) continue;  // cancelled
        TimerCallback callback = std::move(found->second);
        timers_.erase(found);
        callback();
        if (!running_) return;
    }
}

void EventLoop::run() {
    running_ = true;
    std::array<epoll_event, 256> events{};
    while (running_) {
        const int count = ::epoll_wait(epoll_fd_.get(), events.data(),
                                       static_cast<int>(events.size()), next_timeout_ms());
        now_ = core::Clock::now();
        for (int i = 0; i < count && running_; ++i) {
            const std::uint32_t flags = events[static_cast<std::size_t>(i)].events;
            auto* watcher = static_cast<FdWatcher*>(events[static_cast<std::size_t>(i)].data.ptr);
            watcher->on_fd_ready((flags & EPOLLIN) != 0U, (flags & EPOLLOUT) != 0U,
                                 (flags & (EPOLLERR | EPOLLHUP)) != 0U);
        }
        if (running_) run_due_timers();
    }
}

}  // namespace cmdlink::net
