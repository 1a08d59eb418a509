#include "apps/bench/bench_report.hpp"

#include <fmt/format.h>

#include "apps/output/latency_json.hpp"

namespace cmdlink::apps {
namespace {

double per_second(std::uint64_t count, double seconds) {
    return seconds > 0 ? static_cast<double>(count) / seconds : 0.0;
}

nlohmann::json optional_json(const std::optional<double>& value) {
    return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}

double ms(double seconds) {
    return seconds * 1000.0;
}

nlohmann::json optional_ms(const std::optional<double>& seconds) {
    return optional_json(seconds ? std::optional<double>(ms(*seconds)) : std::nullopt);
}

nlohmann::json p50_p99(const core::LatencyHistogram& histogram) {
    if (histogram.count() == 0) return nullptr;
    return {{"p50", milliseconds_at(histogram, 0.5)}, {"p99", milliseconds_at(histogram, 0.99)}};
}

}  // namespace

nlohmann::json to_json(const BenchReport& report) {
    return {{"event", "bench"},
            {"sessions", report.sessions},
            {"passed", report.passed},
            {"failed", report.failed},
            {"failures", report.failures},
            {"connected", report.connected},
            {"peak_active", report.peak_active},
            {"duration_ms", ms(report.duration_s)},
            {"sessions_per_s", per_second(report.sessions, report.duration_s)},
            {"connects_per_s", per_second(report.connected, report.connect_span_s)},
            {"commands", report.commands},
            {"commands_per_s", per_second(report.commands, report.duration_s)},
            {"latency_ms", latency_json(report.reply_latency)},
            {"login_to_session_ms", p50_p99(report.login_to_session)},
            {"connect_ms", p50_p99(report.connect_latency)},
            {"peak_rss_kb", report.peak_rss_kb},
            {"cpu_ms", ms(report.cpu_s)},
            {"client_cpu_ms", ms(report.client_cpu_s)},
            {"server_cpu_ms", optional_ms(report.server_cpu_s)},
            {"broker_cpu_ms", optional_ms(report.broker_cpu_s)},
            {"threads", report.threads},
            {"concurrency", report.concurrency},
            {"fd_limit", report.fd_limit},
            {"qos", report.qos < 0 ? nlohmann::json("random") : nlohmann::json(report.qos)}};
}

std::string to_text(const BenchReport& report) {
    std::string text = fmt::format(
        "{} sessions ({} at most in flight), {} passed, {} failed in {:.2f} s: {:.0f} sessions/s, "
        "{:.0f} connects/s, {:.0f} commands/s",
        report.sessions, report.peak_active, report.passed, report.failed, report.duration_s,
        per_second(report.sessions, report.duration_s),
        per_second(report.connected, report.connect_span_s),
        per_second(report.commands, report.duration_s));
    for (const auto& [reason, count] : report.failures) {
        text += fmt::format("\n  failed: {} x {}", count, reason);
    }
    const auto us = [](const core::LatencyHistogram& histogram, double fraction) {
        return microseconds_at(histogram, fraction);
    };
    if (report.reply_latency.count() > 0) {
        const auto& h = report.reply_latency;
        text += fmt::format(
            "\n  command-to-reply (server's view): p50 {:.0f} us, p90 {:.0f} us, p99 {:.0f} us, "
            "p99.9 {:.0f} us, max {:.0f} us",
            us(h, 0.5), us(h, 0.9), us(h, 0.99), us(h, 0.999), us(h, 1.0));
    }
    if (report.login_to_session.count() > 0) {
        text += fmt::format("\n  login-to-session: p50 {:.0f} us, p99 {:.0f} us",
                            us(report.login_to_session, 0.5), us(report.login_to_session, 0.99));
    }
    text += fmt::format("\n  peak RSS {} KB, CPU {:.2f} s (clients {:.2f} s", report.peak_rss_kb,
                        report.cpu_s, report.client_cpu_s);
    if (report.server_cpu_s) text += fmt::format(", server {:.2f} s", *report.server_cpu_s);
    text += ")";
    if (report.broker_cpu_s) text += fmt::format(", broker CPU {:.2f} s", *report.broker_cpu_s);
    return text;
}

}  // namespace cmdlink::apps
