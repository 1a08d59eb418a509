#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <unordered_map>

namespace cmdlink::broker_plugin {

struct LoginRate {
    std::int64_t per_minute = 30;  // tokens refilled per minute
    std::int64_t burst = 10;       // the bucket's size: logins allowed at once after a quiet spell
};

// A token bucket per account: each login takes a token; an account whose bucket is empty is
// refused until it refills. Buckets are made on an account's first login, so there are as
// many as accounts that may log in (the roster's students).
class LoginRateLimiter {
  public:
    using Clock = std::chrono::steady_clock;

    explicit LoginRateLimiter(LoginRate rate);

    // True, and a token taken, when `account` may log in at `now`.
    bool admit(const std::string& account, Clock::time_point now);

  private:
    // The credit is kept as time (one token is `per_token_` of it), so refilling is exact
    // integer arithmetic: no token is lost or gained to rounding.
    struct Bucket {
        Clock::duration credit;
        Clock::time_point filled;
    };

    Clock::duration per_token_;
    Clock::duration capacity_;
    std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace cmdlink::broker_plugin
