#include "net/loop_waker.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>

namespace cmdlink::net {

core::Result<std::unique_ptr<LoopWaker>> LoopWaker::create(EventLoop& loop,
                                                           std::function<void()> callback) {
    UniqueFd fd(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
    if (!fd.valid()) return core::system_error(std::string("eventfd: ") + std::strerror(errno));
    std::unique_ptr<LoopWaker> waker(new LoopWaker(loop, std::move(fd), std::move(callback)));
    if (auto watched = loop.watch(waker->fd_.get(), false, *waker); !watched) {
        return watched.failure();
    }
    return waker;
}

LoopWaker::LoopWaker(EventLoop& loop, UniqueFd fd, std::function<void()> callback)
    : loop_(loop), fd_(std::move(fd)), callback_(std::move(callback)) {}

LoopWaker::~LoopWaker() {
    loop_.unwatch(fd_.get());
}

void LoopWaker::notify() {
    const std::uint64_t one = 1;
    // A full counter (EAGAIN) already means "wake up", so the result needs no handling.
    [[maybe_unused]] const auto written = ::write(fd_.get(), &one, sizeof one);
}

void LoopWaker::on_fd_ready(bool readable, bool /*writable*/, bool /*failed*/) {
    if (!readable) return;
    std::uint64_t count = 0;
    [[maybe_unused]] const auto read = ::read(fd_.get(), &count, sizeof count);
    callback_();
}

}  // namespace cmdlink::net
