#include "broker_plugin/plugin_options.hpp"

#include <charconv>
#include <set>

namespace cmdlink::broker_plugin {
namespace {

constexpr const char* kKnownKeys = "account_map, logins_per_minute, login_burst, other_accounts";

core::Result<std::int64_t> positive_whole_number(const std::string& key, const std::string& value,
                                                 std::int64_t max) {
    std::int64_t number = 0;
    const char* end = value.data() + value.size();
    auto [stop, error] = std::from_chars(value.data(), end, number);
    if (value.empty() || error != std::errc{} || stop != end || number < 1 || number > max) {
        return core::Error{"plugin_opt_" + key + " '" + value + "': a whole number within 1-" +
                           std::to_string(max)};
    }
    return number;
}

}  // namespace

core::Result<PluginOptions> parse_plugin_options(
    const std::vector<std::pair<std::string, std::string>>& options) {
    PluginOptions parsed;
    std::set<std::string> seen;
    for (const auto& [key, value] : options) {
        if (!seen.insert(key).second) return core::Error{"plugin_opt_" + key + " given twice"};
        if (key == "account_map") {
            if (value.empty()) return core::Error{"plugin_opt_account_map is empty"};
            parsed.account_map = value;
        } else if (key == "logins_per_minute") {
            auto number = positive_whole_number(key, value, kMaxLoginsPerMinute);
            if (!number) return number.failure();
            parsed.login_rate.per_minute = number.value();
        } else if (key == "login_burst") {
            auto number = positive_whole_number(key, value, kMaxLoginBurst);
            if (!number) return number.failure();
            parsed.login_rate.burst = number.value();
        } else if (key == "other_accounts") {
            if (value == "refuse") {
                parsed.other_accounts = OtherAccounts::kRefuse;
            } else if (value == "trust") {
                parsed.other_accounts = OtherAccounts::kTrust;
            } else {
                return core::Error{"plugin_opt_other_accounts '" + value +
                                   "': 'refuse' or 'trust'"};
            }
        } else {
            return core::Error{"unknown option plugin_opt_" + key + " (known: " + kKnownKeys + ")"};
        }
    }
    if (parsed.account_map.empty()) {
        return core::Error{
            "plugin_opt_account_map is missing (the file cmdlink broker-config "
            "writes as 'accounts')"};
    }
    return parsed;
}

}  // namespace cmdlink::broker_plugin
