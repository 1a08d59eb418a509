#pragma once

#include <cstdint>
#include <string>

#include "core/clock.hpp"
#include "core/issuer.hpp"
#include "core/server_events.hpp"

namespace cmdlink::apps {

// `1234567` -> `1,234,567`, for numbers read at a glance.
std::string with_thousands(std::uint64_t value);

// The server's once-a-second status line:
// `sessions active 12 · passed 340 · failed 2 · 1,234 commands/s`.
class ServerStatus {
  public:
    explicit ServerStatus(core::TimePoint now) : last_tick_(now) {}

    void on_event(const core::ServerEvent& event);
    // The line for now; the command rate is over the time since the previous call.
    std::string tick(const core::Issuer& issuer, core::TimePoint now);

  private:
    std::uint64_t commands_ = 0;
    std::uint64_t commands_at_last_tick_ = 0;
    core::TimePoint last_tick_;
};

}  // namespace cmdlink::apps
