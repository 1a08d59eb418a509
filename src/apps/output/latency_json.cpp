#include "apps/output/latency_json.hpp"

#include <chrono>

namespace cmdlink::apps {

double microseconds_at(const core::LatencyHistogram& histogram, double fraction) {
    return std::chrono::duration<double, std::micro>(histogram.percentile(fraction)).count();
}

double milliseconds_at(const core::LatencyHistogram& histogram, double fraction) {
    return std::chrono::duration<double, std::milli>(histogram.percentile(fraction)).count();
}

nlohmann::json latency_json(const core::LatencyHistogram& histogram) {
    if (histogram.count() == 0) return nullptr;
    const auto ms = [&](double fraction) { return milliseconds_at(histogram, fraction); };
    return {{"p50", ms(0.5)},
            {"p90", ms(0.9)},
            {"p99", ms(0.99)},
            {"p999", ms(0.999)},
            {"max", ms(1.0)}};
}

}  // namespace cmdlink::apps
