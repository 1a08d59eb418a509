#include "live/live_metrics.hpp"

#include <array>
#include <charconv>
#include <cstdint>
#include <string_view>

#include "core/server_events.hpp"

namespace cmdlink::live {
namespace {

// The shortest text that reads back as the same double (Prometheus takes Go's float syntax).
std::string number(double value) {
    std::array<char, 32> text{};
    const auto [end, error] = std::to_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc()) return "NaN";
    return {text.data(), end};
}

class Exposition {
  public:
    void family(std::string_view name, std::string_view type, std::string_view help) {
        text_.append("# HELP ").append(name).append(" ").append(help).append("\n");
        text_.append("# TYPE ").append(name).append(" ").append(type).append("\n");
    }
    void sample(std::string_view name, std::string_view labels, std::string_view value) {
        text_.append(name);
        if (!labels.empty()) text_.append("{").append(labels).append("}");
        text_.append(" ").append(value).append("\n");
    }
    void sample(std::string_view name, std::string_view labels, std::uint64_t value) {
        sample(name, labels, std::to_string(value));
    }
    [[nodiscard]] std::string take() { return std::move(text_); }

  private:
    std::string text_;
};

std::string label(std::string_view name, std::string_view value) {
    return std::string(name) + "=\"" + std::string(value) + "\"";
}

}  // namespace

std::string to_prometheus(const LiveSnapshot& snapshot) {
    Exposition out;
    out.family("cmdlink_sessions_total", "counter", "Sessions ended, by outcome.");
    for (std::size_t at = 0; at < kOutcomes; ++at) {
        out.sample("cmdlink_sessions_total",
                   label("outcome", to_string(static_cast<core::SessionOutcome>(at))),
                   snapshot.sessions_by_outcome.at(at));
    }
    out.family("cmdlink_sessions_started_total", "counter", "Sessions issued.");
    out.sample("cmdlink_sessions_started_total", "", snapshot.sessions_started);
    out.family("cmdlink_sessions_in_flight", "gauge", "Sessions issued and not yet ended.");
    out.sample("cmdlink_sessions_in_flight", "", snapshot.sessions_in_flight);
    out.family("cmdlink_logins_refused_total", "counter", "Logins refused, for any reason.");
    out.sample("cmdlink_logins_refused_total", "", snapshot.logins_refused);
    out.family("cmdlink_commands_sent_total", "counter", "Commands sent to devices.");
    out.sample("cmdlink_commands_sent_total", "", snapshot.commands_sent);
    out.family("cmdlink_replies_total", "counter", "Replies checked, by verdict.");
    for (std::size_t at = 0; at < kVerdicts; ++at) {
        out.sample("cmdlink_replies_total",
                   label("verdict", to_string(static_cast<core::Verdict>(at))),
                   snapshot.replies_by_verdict.at(at));
    }
    out.family("cmdlink_reply_latency_seconds", "histogram",
               "Time from a command to the reply that answers it.");
    const auto& bounds = LatencyBuckets::kUpperSeconds;
    std::uint64_t cumulative = 0;
    for (std::size_t at = 0; at < snapshot.latency.counts.size(); ++at) {
        cumulative += snapshot.latency.counts.at(at);
        const std::string le = at < bounds.size() ? number(bounds.at(at)) : "+Inf";
        out.sample("cmdlink_reply_latency_seconds_bucket", label("le", le), cumulative);
    }
    out.sample("cmdlink_reply_latency_seconds_sum", "", number(snapshot.latency.sum_seconds));
    out.sample("cmdlink_reply_latency_seconds_count", "", snapshot.latency.count);
    out.family("cmdlink_ledger_queue_depth", "gauge", "Ledger rows waiting for the writer thread.");
    out.sample("cmdlink_ledger_queue_depth", "", snapshot.ledger_queue_depth);
    out.family("cmdlink_broker_connected", "gauge",
               "1 while the server is connected to its broker, else 0.");
    out.sample("cmdlink_broker_connected", "", snapshot.broker_connected ? 1U : 0U);
    out.family("cmdlink_students", "gauge", "Students listed in the live view, by state.");
    std::array<std::uint64_t, 9> by_state{};
    for (const StudentRow& row : snapshot.students) {
        ++by_state.at(static_cast<std::size_t>(row.state));
    }
    for (std::size_t at = 0; at < by_state.size(); ++at) {
        out.sample("cmdlink_students", label("state", to_string(static_cast<StudentState>(at))),
                   by_state.at(at));
    }
    return out.take();
}

}  // namespace cmdlink::live
