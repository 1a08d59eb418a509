#pragma once

// What a test needs to stand in for a service manager: an environment variable for the
// cmdlink processes it starts, and the $NOTIFY_SOCKET that sd_notify(3) writes to.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "os/unique_fd.hpp"

namespace cmdlink::integration {

// Sets an environment variable for the cmdlink processes a test starts, and takes it away
// again: the tests after it run without.
class ScopedEnvironment {
  public:
    ScopedEnvironment(std::string name, const std::string& value) : name_(std::move(name)) {
        if (const char* old = std::getenv(name_.c_str()); old != nullptr) saved_ = old;
        EXPECT_EQ(::setenv(name_.c_str(), value.c_str(), 1), 0);
    }
    ScopedEnvironment(const ScopedEnvironment&) = delete;
    ScopedEnvironment& operator=(const ScopedEnvironment&) = delete;
    ~ScopedEnvironment() {
        if (saved_) {
            ::setenv(name_.c_str(), saved_->c_str(), 1);
        } else {
            ::unsetenv(name_.c_str());
        }
    }

  private:
    std::string name_;
    std::optional<std::string> saved_;
};

// What systemd listens on for sd_notify(3): a unix datagram socket, one message a datagram.
class NotifySocket {
  public:
    explicit NotifySocket(const std::filesystem::path& path) : path_(path) {
        fd_ = os::UniqueFd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
        EXPECT_TRUE(fd_.valid()) << "socket: " << std::strerror(errno);
        sockaddr_un address{};
        address.sun_family = AF_UNIX;
        EXPECT_LT(path.string().size(), sizeof(address.sun_path)) << path;
        path.string().copy(address.sun_path, sizeof(address.sun_path) - 1);
        EXPECT_EQ(::bind(fd_.get(), reinterpret_cast<const sockaddr*>(&address), sizeof(address)),
                  0)
            << "bind " << path << ": " << std::strerror(errno);
    }

    [[nodiscard]] const std::filesystem::path& path() const { return path_; }

    // Every datagram received so far, oldest first.
    const std::vector<std::string>& messages() {
        char buffer[4096];
        for (int read = 0; read < 1000; ++read) {
            const ssize_t size = ::recv(fd_.get(), buffer, sizeof(buffer), 0);
            if (size < 0) break;
            messages_.emplace_back(buffer, static_cast<std::size_t>(size));
        }
        return messages_;
    }

    // Whether a datagram so far has `assignment` as one of its lines.
    bool received(const std::string& assignment) {
        for (const std::string& message : messages()) {
            if (("\n" + message + "\n").find("\n" + assignment + "\n") != std::string::npos) {
                return true;
            }
        }
        return false;
    }

    std::string all() {
        std::string text;
        for (const std::string& message : messages()) text += "[" + message + "] ";
        return text;
    }

  private:
    std::filesystem::path path_;
    os::UniqueFd fd_;
    std::vector<std::string> messages_;
};

}  // namespace cmdlink::integration
