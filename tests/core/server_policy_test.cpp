#include "core/server_policy.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>

namespace cmdlink::core {
namespace {

// The reason a check gives, printed as text when an expectation fails.
std::string why(const std::optional<std::string>& reason) {
    return reason ? *reason : std::string("(accepted)");
}

using namespace std::chrono_literals;

TEST(ServerPolicy, DefaultIsTheCourseServersBehaviour) {
    const ServerPolicy policy;
    EXPECT_EQ(check_policy(policy), std::nullopt);
    EXPECT_EQ(policy.delay, 3s);
    EXPECT_EQ(policy.min_commands, 3U);
    EXPECT_EQ(policy.max_commands, 11U);
    EXPECT_EQ(policy.qos, 1);
    EXPECT_EQ(policy.pacing, Pacing::kBurst);
    EXPECT_FALSE(policy.strict);
    EXPECT_EQ(policy.max_sessions, 0U);
    EXPECT_EQ(policy.login_subscription, "login");
    EXPECT_EQ(policy.table.size(), 7U);
}

TEST(ServerPolicy, RefusesAnEmptyCommandCountRange) {
    ServerPolicy policy;
    policy.min_commands = 5;
    policy.max_commands = 4;
    EXPECT_EQ(why(check_policy(policy)), "the command count range is empty: minimum 5 > maximum 4");
}

TEST(ServerPolicy, AcceptsZeroCommandsAndAFixedCount) {
    ServerPolicy policy;
    policy.min_commands = 0;
    policy.max_commands = 0;
    EXPECT_EQ(check_policy(policy), std::nullopt);
    policy.min_commands = policy.max_commands = 1'000'000;
    EXPECT_EQ(check_policy(policy), std::nullopt);
}

TEST(ServerPolicy, RefusesMoreThanAMillionCommands) {
    ServerPolicy policy;
    policy.max_commands = 1'000'001;
    EXPECT_EQ(why(check_policy(policy)), "at most 1000000 commands a session");
}

TEST(ServerPolicy, RefusesAQosOutsideZeroToTwo) {
    ServerPolicy policy;
    policy.qos = 3;
    EXPECT_EQ(why(check_policy(policy)), "QoS must be 0, 1, 2 or random");
    policy.qos = -1;
    EXPECT_EQ(why(check_policy(policy)), "QoS must be 0, 1, 2 or random");
    policy.qos = std::nullopt;
    EXPECT_EQ(check_policy(policy), std::nullopt);
    policy.qos = 0;
    EXPECT_EQ(check_policy(policy), std::nullopt);
}

TEST(ServerPolicy, RefusesANegativeDelay) {
    ServerPolicy policy;
    policy.delay = -1ms;
    EXPECT_EQ(why(check_policy(policy)), "the delay may not be negative");
}

TEST(ServerPolicy, RefusesASessionTimeoutNoLongerThanTheDelay) {
    ServerPolicy policy;
    policy.delay = 5s;
    policy.session_timeout = 5s;
    EXPECT_EQ(why(check_policy(policy)), "the session timeout must be longer than the delay");
    policy.session_timeout = 5001ms;
    EXPECT_EQ(check_policy(policy), std::nullopt);
}

}  // namespace
}  // namespace cmdlink::core
