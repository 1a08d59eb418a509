#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "broker_plugin/client_id_rule.hpp"
#include "broker_plugin/login_rate.hpp"
#include "core/result.hpp"

namespace cmdlink::broker_plugin {

// The plugin's `plugin_opt_<key> <value>` lines of mosquitto.conf.
struct PluginOptions {
    std::string account_map;  // path; required
    LoginRate login_rate;
    OtherAccounts other_accounts = OtherAccounts::kRefuse;
};

inline constexpr std::int64_t kMaxLoginsPerMinute = 60000;
inline constexpr std::int64_t kMaxLoginBurst = 10000;

// Options as mosquitto hands them over (key without `plugin_opt_`). An unknown key, a repeated
// one, a value out of range or a missing account_map is an error naming the line to fix.
core::Result<PluginOptions> parse_plugin_options(
    const std::vector<std::pair<std::string, std::string>>& options);

}  // namespace cmdlink::broker_plugin
