#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "core/latency_histogram.hpp"

namespace cmdlink::apps {

// Everything one bench run measured, merged from every thread.
struct BenchReport {
    std::uint64_t sessions = 0;
    std::uint64_t passed = 0;
    std::uint64_t failed = 0;
    std::map<std::string, std::uint64_t> failures;
    std::uint64_t connected = 0;
    std::uint64_t peak_active = 0;         // most sessions in flight at one time
    std::uint64_t commands = 0;            // replies the clients sent
    double duration_s = 0;                 // first session opened to last session ended
    double connect_span_s = 0;             // first session opened to last CONNACK
    core::LatencyHistogram reply_latency;  // as the server sees it; empty with an external one
    core::LatencyHistogram login_to_session;
    core::LatencyHistogram connect_latency;
    std::uint64_t peak_rss_kb = 0;
    double cpu_s = 0;
    double client_cpu_s = 0;
    std::optional<double> server_cpu_s;
    std::optional<double> broker_cpu_s;
    unsigned threads = 0;
    std::size_t concurrency = 0;
    std::uint64_t fd_limit = 0;
    int qos = -1;  // -1: random
};

nlohmann::json to_json(const BenchReport& report);
std::string to_text(const BenchReport& report);

}  // namespace cmdlink::apps
