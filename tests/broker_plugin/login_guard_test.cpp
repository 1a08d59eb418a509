#include "broker_plugin/login_guard.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace cmdlink::broker_plugin {
namespace {

using Clock = LoginGuard::Clock;
using std::chrono::seconds;

LoginGuard two_students(LoginRate rate = {}) {
    auto map =
        parse_account_map("server\tcmdlink-server\nstudent\talice\t1001\nstudent\tbob\t1002\n");
    EXPECT_TRUE(map.ok()) << map.error();
    PluginOptions options;
    options.account_map = "accounts";
    options.login_rate = rate;
    return LoginGuard(map.ok() ? map.value() : AccountMap{}, options);
}

TEST(LoginGuard, AStudentLogsInWithItsOwnUserIdOnly) {
    LoginGuard guard = two_students();
    const Clock::time_point now{};
    EXPECT_TRUE(guard.on_login("alice", "1001", now).allowed);
    const Decision forged = guard.on_login("alice", "1002", now);
    EXPECT_FALSE(forged.allowed);
    EXPECT_NE(forged.log_line.find("not the account's user ID 1001"), std::string::npos)
        << forged.log_line;
    EXPECT_FALSE(guard.on_login("alice", "1001 ", now).allowed);
    EXPECT_FALSE(guard.on_login("alice", "", now).allowed);
}

TEST(LoginGuard, OnlyStudentsPublishLogins) {
    LoginGuard guard = two_students();
    const Clock::time_point now{};
    for (const std::optional<std::string_view> account :
         {std::optional<std::string_view>("cmdlink-server"),
          std::optional<std::string_view>("observer"), std::optional<std::string_view>()}) {
        const Decision decision = guard.on_login(account, "1001", now);
        EXPECT_FALSE(decision.allowed);
        EXPECT_NE(decision.log_line.find("only students publish logins"), std::string::npos)
            << decision.log_line;
    }
}

TEST(LoginGuard, AFloodIsLimitedPerAccountAndForgeriesCostTheVictimNothing) {
    LoginGuard guard = two_students(LoginRate{.per_minute = 6, .burst = 3});
    const Clock::time_point now{};
    // Alice forges Bob's login a thousand times and floods her own.
    for (int i = 0; i < 1000; ++i) EXPECT_FALSE(guard.on_login("alice", "1002", now).allowed);
    int own = 0;
    for (int i = 0; i < 1000; ++i) own += guard.on_login("alice", "1001", now).allowed ? 1 : 0;
    EXPECT_EQ(own, 3);
    // Bob's bucket is whole.
    for (int i = 0; i < 3; ++i) EXPECT_TRUE(guard.on_login("bob", "1002", now).allowed);
    EXPECT_FALSE(guard.on_login("bob", "1002", now).allowed);
}

TEST(LoginGuard, LogsAtMostOneDenialPerAccountAndMinuteAndCountsTheRest) {
    LoginGuard guard = two_students();
    const Clock::time_point start{};
    EXPECT_FALSE(guard.on_login("alice", "1002", start).log_line.empty());
    for (int i = 0; i < 5; ++i)
        EXPECT_TRUE(guard.on_login("alice", "1002", start).log_line.empty());
    EXPECT_FALSE(guard.on_login("bob", "1001", start).log_line.empty());
    const Decision next = guard.on_login("alice", "1002", start + seconds(60));
    EXPECT_NE(next.log_line.find("and 5 denied logins"), std::string::npos) << next.log_line;
}

TEST(LoginGuard, ConnectionsAreBoundToTheirAccounts) {
    const LoginGuard guard = two_students();
    EXPECT_TRUE(guard.on_connect("bob", "cmdlink-1002").allowed);
    const Decision takeover = guard.on_connect("alice", "cmdlink-1002");
    EXPECT_FALSE(takeover.allowed);
    EXPECT_NE(takeover.log_line.find("refused client ID 'cmdlink-1002' for account 'alice'"),
              std::string::npos)
        << takeover.log_line;
}

class LoginGuardFile : public ::testing::Test {
  protected:
    void TearDown() override {
        std::error_code ignored;
        std::filesystem::remove(path_, ignored);
    }
    PluginOptions options_with(const std::string& text) {
        std::ofstream(path_) << text;
        PluginOptions options;
        options.account_map = path_.string();
        return options;
    }
    std::filesystem::path path_ =
        std::filesystem::temp_directory_path() / ("cmdlink-accounts-" + std::to_string(::getpid()));
};

TEST_F(LoginGuardFile, LoadsTheMapTheOptionsName) {
    auto guard = LoginGuard::load(options_with("server\ts\nstudent\ta\t1\n"));
    ASSERT_TRUE(guard.ok()) << guard.error();
    EXPECT_EQ(guard.value().accounts().user_id_of.at("a"), "1");
}

TEST_F(LoginGuardFile, AMissingOrBadMapIsAnErrorNamingTheFile) {
    PluginOptions missing;
    missing.account_map = "/nonexistent/cmdlink-accounts";
    auto guard = LoginGuard::load(missing);
    ASSERT_FALSE(guard.ok());
    EXPECT_NE(guard.error().find("cannot read the account map /nonexistent/cmdlink-accounts"),
              std::string::npos)
        << guard.error();

    auto bad = LoginGuard::load(options_with("student\ta\t1\n"));
    ASSERT_FALSE(bad.ok());
    EXPECT_NE(bad.error().find(path_.string() + ": no server line"), std::string::npos)
        << bad.error();
}

}  // namespace
}  // namespace cmdlink::broker_plugin
