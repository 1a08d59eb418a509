#include "apps/output/service_notifier.hpp"

#include <systemd/sd-daemon.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>

namespace cmdlink::apps {
namespace {

// A STATUS= value is one line: a newline would start another assignment.
std::string one_line(std::string_view text) {
    std::string line(text);
    for (char& c : line) {
        if (c == '\n' || c == '\r') c = ' ';
    }
    return line;
}

std::string monotonic_usec() {
    timespec now{};
    if (::clock_gettime(CLOCK_MONOTONIC, &now) != 0) return {};
    const auto usec = static_cast<unsigned long long>(now.tv_sec) * 1'000'000ULL +
                      static_cast<unsigned long long>(now.tv_nsec) / 1'000ULL;
    return "\nMONOTONIC_USEC=" + std::to_string(usec);
}

}  // namespace

ServiceNotifier::ServiceNotifier() {
    const char* socket = std::getenv("NOTIFY_SOCKET");
    enabled_ = socket != nullptr && socket[0] != '\0';
}

core::Status ServiceNotifier::ready(std::string_view status) {
    return send("READY=1\nSTATUS=" + one_line(status));
}

core::Status ServiceNotifier::status(std::string_view status) {
    return send("STATUS=" + one_line(status));
}

core::Status ServiceNotifier::reloading() {
    return send("RELOADING=1" + monotonic_usec());
}

core::Status ServiceNotifier::stopping(std::string_view status) {
    if (stopping_sent_) return core::Ok{};
    stopping_sent_ = true;
    return send("STOPPING=1\nSTATUS=" + one_line(status));
}

core::Status ServiceNotifier::send(const std::string& state) const {
    if (!enabled_) return core::Ok{};
    // unset_environment 0: the later notifications (STOPPING=1) need $NOTIFY_SOCKET too.
    const int sent = ::sd_notify(0, state.c_str());
    if (sent < 0) {
        return core::Error{"cannot notify the service manager through $NOTIFY_SOCKET: " +
                           std::string(std::strerror(-sent))};
    }
    return core::Ok{};
}

}  // namespace cmdlink::apps
