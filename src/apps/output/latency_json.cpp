#include "apps/output/latency_json.hpp"

#include <chrono>

namespace cmdlink::apps {

double microseconds_at(const core::LatencyHistogram& histogram, double fraction) {
    return std::chrono::duration<double, std::micro>(histogram.percentile(fraction)).count();
}

nlohmann::json latency_json(const core::LatencyHistogram& histogram) {
    if (histogram.count() == 0) return nullptr;
    const auto us = [&](double fraction) { return microseconds_at(histogram, fraction); };
    return {{"p50", us(0.5)},
            {"p90", us(0.9)},
            {"p99", us(0.99)},
            {"p999", us(0.999)},
            {"max", us(1.0)}};
}

}  // namespace cmdlink::apps
