#pragma once

#include <unistd.h>

#include <utility>

namespace cmdlink::os {

// Owns a file descriptor so that no early return can leak it.
class UniqueFd {
  public:
    UniqueFd() = default;
    explicit UniqueFd(int fd) : fd_(fd) {}
    UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
    UniqueFd& operator=(UniqueFd&& other) noexcept {
        if (this != &other) {
            reset();
            fd_ = std::exchange(other.fd_, -1);
        }
        return *this;
    }
    UniqueFd(const UniqueFd&) = delete;
    UniqueFd& operator=(const UniqueFd&) = delete;
    ~UniqueFd() { reset(); }

    [[nodiscard]] int get() const { return fd_; }
    [[nodiscard]] bool valid() const { return fd_ >= 0; }

    // For writers: a failed close() can mean lost data, so they need its result.
    int close() { return fd_ >= 0 ? ::close(std::exchange(fd_, -1)) : 0; }

    // Nothing can be done about a failed close() here; Linux releases the descriptor anyway.
    void reset() { static_cast<void>(close()); }

  private:
    int fd_ = -1;
};

}  // namespace cmdlink::os
