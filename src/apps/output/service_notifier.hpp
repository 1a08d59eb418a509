#pragma once

#include <string>
#include <string_view>

#include "core/result.hpp"

namespace cmdlink::apps {

// Tells a service manager (systemd, Type=notify) how the server is doing, through
// sd_notify(3) to $NOTIFY_SOCKET. Without NOTIFY_SOCKET, as outside systemd, it does nothing.
class ServiceNotifier {
  public:
    ServiceNotifier();

    // Whether there is a service manager to tell.
    [[nodiscard]] bool enabled() const { return enabled_; }

    // READY=1 with a STATUS= line: connected and subscribed, logins cannot be lost.
    core::Status ready(std::string_view status);
    // A STATUS= line for `systemctl status`.
    core::Status status(std::string_view status);
    // RELOADING=1 (with the MONOTONIC_USEC that systemd 253 and later ask for).
    core::Status reloading();
    // STOPPING=1 with a STATUS= line, once: the server is on its way out.
    core::Status stopping(std::string_view status);

  private:
    [[nodiscard]] core::Status send(const std::string& state) const;

    bool enabled_ = false;
    bool stopping_sent_ = false;
};

}  // namespace cmdlink::apps
