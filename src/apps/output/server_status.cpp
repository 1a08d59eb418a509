#include "apps/output/server_status.hpp"

#include <chrono>
#include <cmath>
#include <variant>

namespace cmdlink::apps {

std::string with_thousands(std::uint64_t value) {
    std::string digits = std::to_string(value);
    for (std::size_t at = digits.size(); at > 3;) {
        at -= 3;
        digits.insert(at, 1, ',');
    }
    return digits;
}

void ServerStatus::on_event(const core::ServerEvent& event) {
    if (std::holds_alternative<core::server_event::CommandSent>(event)) ++commands_;
}

std::string ServerStatus::tick(const core::Issuer& issuer, core::TimePoint now) {
    const double seconds = std::chrono::duration<double>(now - last_tick_).count();
    const std::uint64_t sent = commands_ - commands_at_last_tick_;
    const auto rate =
        seconds > 0 ? static_cast<std::uint64_t>(std::llround(static_cast<double>(sent) / seconds))
                    : 0;
    last_tick_ = now;
    commands_at_last_tick_ = commands_;
    const core::IssuerCounts& counts = issuer.counts();
    return "sessions active " + with_thousands(issuer.active_sessions()) + " · passed " +
           with_thousands(counts.passed) + " · failed " + with_thousands(counts.failed) + " · " +
           with_thousands(rate) + " commands/s" + (issuer.draining() ? " · draining" : "");
}

}  // namespace cmdlink::apps
