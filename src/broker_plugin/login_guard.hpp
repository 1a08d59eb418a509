#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "broker_plugin/account_map.hpp"
#include "broker_plugin/login_rate.hpp"
#include "broker_plugin/plugin_options.hpp"
#include "core/result.hpp"

namespace cmdlink::broker_plugin {

// What the plugin does with a connection or a publish to `login`.
struct Decision {
    bool allowed = true;
    // A line for the broker's log, empty when there is nothing to say (allowed, or a denial
    // of an account already logged within the last minute).
    std::string log_line;
};

// The plugin's whole behaviour without Mosquitto: it binds client IDs and logins to accounts
// and limits each account's logins.
class LoginGuard {
  public:
    using Clock = std::chrono::steady_clock;

    // Reads the account map the options name.
    static core::Result<LoginGuard> load(const PluginOptions& options);
    LoginGuard(AccountMap map, const PluginOptions& options);

    // At CONNECT, before the password is checked.
    [[nodiscard]] Decision on_connect(const std::optional<std::string_view>& username,
                                      std::string_view client_id) const;
    // At a PUBLISH to `login`: allowed only if the payload is the account's own user ID, and
    // within its rate. A forged login takes nothing from the student it names.
    Decision on_login(const std::optional<std::string_view>& username, std::string_view payload,
                      Clock::time_point now);

    [[nodiscard]] const AccountMap& accounts() const { return map_; }

  private:
    // At most one log line per account and minute; the next one says how many it left out.
    std::string log_denial(const std::optional<std::string_view>& username,
                           const std::string& reason, Clock::time_point now);

    struct DenialLog {
        Clock::time_point last;
        std::uint64_t unlogged = 0;
    };

    AccountMap map_;
    OtherAccounts others_;
    LoginRateLimiter rate_;
    std::unordered_map<std::string, DenialLog> denials_;
};

}  // namespace cmdlink::broker_plugin
