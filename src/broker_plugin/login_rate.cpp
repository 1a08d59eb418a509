#include "broker_plugin/login_rate.hpp"

#include <algorithm>

namespace cmdlink::broker_plugin {

LoginRateLimiter::LoginRateLimiter(LoginRate rate)
    : per_token_(std::chrono::duration_cast<Clock::duration>(std::chrono::minutes(1)) /
                 std::max<std::int64_t>(rate.per_minute, 1)),
      capacity_(per_token_ * std::max<std::int64_t>(rate.burst, 1)) {}

bool LoginRateLimiter::admit(const std::string& account, Clock::time_point now) {
    auto [found, created] = buckets_.try_emplace(account, Bucket{capacity_, now});
    Bucket& bucket = found->second;
    if (!created && now > bucket.filled) {
        bucket.credit = std::min(capacity_, bucket.credit + (now - bucket.filled));
        bucket.filled = now;
    }
    if (bucket.credit < per_token_) return false;
    bucket.credit -= per_token_;
    return true;
}

}  // namespace cmdlink::broker_plugin
