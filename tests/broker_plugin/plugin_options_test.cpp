#include "broker_plugin/plugin_options.hpp"

#include <gtest/gtest.h>

namespace cmdlink::broker_plugin {
namespace {

using Options = std::vector<std::pair<std::string, std::string>>;

TEST(PluginOptions, NeedsOnlyTheAccountMap) {
    auto parsed = parse_plugin_options({{"account_map", "/etc/cmdlink/accounts"}});
    ASSERT_TRUE(parsed.ok()) << parsed.error();
    EXPECT_EQ(parsed.value().account_map, "/etc/cmdlink/accounts");
    EXPECT_EQ(parsed.value().login_rate.per_minute, 30);
    EXPECT_EQ(parsed.value().login_rate.burst, 10);
    EXPECT_EQ(parsed.value().other_accounts, OtherAccounts::kRefuse);
}

TEST(PluginOptions, ReadsEveryOption) {
    auto parsed = parse_plugin_options({{"account_map", "a"},
                                        {"logins_per_minute", "120"},
                                        {"login_burst", "4"},
                                        {"other_accounts", "trust"}});
    ASSERT_TRUE(parsed.ok()) << parsed.error();
    EXPECT_EQ(parsed.value().login_rate.per_minute, 120);
    EXPECT_EQ(parsed.value().login_rate.burst, 4);
    EXPECT_EQ(parsed.value().other_accounts, OtherAccounts::kTrust);
}

TEST(PluginOptions, RefusesWhatItCannotUseNamingTheOption) {
    const std::vector<std::pair<Options, std::string>> cases = {
        {{}, "plugin_opt_account_map is missing"},
        {{{"account_map", ""}}, "plugin_opt_account_map is empty"},
        {{{"account_map", "a"}, {"account_map", "b"}}, "given twice"},
        {{{"account_map", "a"}, {"logins_per_minute", "0"}}, "plugin_opt_logins_per_minute '0'"},
        {{{"account_map", "a"}, {"logins_per_minute", "ten"}}, "whole number"},
        {{{"account_map", "a"}, {"logins_per_minute", "5x"}}, "whole number"},
        {{{"account_map", "a"}, {"login_burst", "-1"}}, "plugin_opt_login_burst"},
        {{{"account_map", "a"}, {"login_burst", "10001"}}, "within 1-10000"},
        {{{"account_map", "a"}, {"other_accounts", "maybe"}}, "'refuse' or 'trust'"},
        {{{"account_map", "a"}, {"acount_map", "b"}}, "unknown option plugin_opt_acount_map"},
    };
    for (const auto& [options, expected] : cases) {
        auto parsed = parse_plugin_options(options);
        ASSERT_FALSE(parsed.ok()) << expected;
        EXPECT_NE(parsed.error().find(expected), std::string::npos) << parsed.error();
    }
}

}  // namespace
}  // namespace cmdlink::broker_plugin
