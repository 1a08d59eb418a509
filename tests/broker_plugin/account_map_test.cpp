#include "broker_plugin/account_map.hpp"

#include <gtest/gtest.h>

#include <string>

namespace cmdlink::broker_plugin {
namespace {

TEST(AccountMap, ReadsWhatBrokerConfigWrites) {
    auto text = render_account_map("cmdlink-server",
                                   {{"alice@uni.example", "2571234"}, {"smith, jo", "2571235"}});
    ASSERT_TRUE(text.ok()) << text.error();
    auto map = parse_account_map(text.value());
    ASSERT_TRUE(map.ok()) << map.error();
    EXPECT_EQ(map.value().server_user, "cmdlink-server");
    ASSERT_EQ(map.value().user_id_of.size(), 2U);
    EXPECT_EQ(map.value().user_id_of.at("alice@uni.example"), "2571234");
    EXPECT_EQ(map.value().user_id_of.at("smith, jo"), "2571235");
    EXPECT_EQ(map.value().owner_of_default_id.at("cmdlink-2571235"), "smith, jo");
}

TEST(AccountMap, SkipsCommentsBlankLinesAndCarriageReturns) {
    auto map = parse_account_map("# a comment\r\n\r\nserver\tsrv\r\nstudent\ta\t1\r\n");
    ASSERT_TRUE(map.ok()) << map.error();
    EXPECT_EQ(map.value().server_user, "srv");
    EXPECT_EQ(map.value().user_id_of.at("a"), "1");
}

TEST(AccountMap, ReportsEveryBadLineWithItsNumber) {
    auto map = parse_account_map(
        "server\tsrv\nstudent\ta\nteacher\tt\t1\nstudent\tb:x\t2\nstudent\tc\t\nstudent\t\t3\n");
    ASSERT_FALSE(map.ok());
    EXPECT_NE(map.error().find("line 2: a student line is"), std::string::npos) << map.error();
    EXPECT_NE(map.error().find("line 3: a line starts with"), std::string::npos) << map.error();
    EXPECT_NE(map.error().find("line 4: the user name contains ':'"), std::string::npos)
        << map.error();
    EXPECT_NE(map.error().find("line 5: the user ID is empty"), std::string::npos) << map.error();
    EXPECT_NE(map.error().find("line 6: the user name is empty"), std::string::npos) << map.error();
}

TEST(AccountMap, RefusesRepeatsAndAMissingOrSecondServer) {
    EXPECT_FALSE(parse_account_map("student\ta\t1\n").ok());
    EXPECT_FALSE(parse_account_map("server\ts\nserver\tt\n").ok());
    EXPECT_FALSE(parse_account_map("server\ts\nstudent\ta\t1\nstudent\ta\t2\n").ok());
    EXPECT_FALSE(parse_account_map("server\ts\nstudent\ta\t1\nstudent\tb\t1\n").ok());
    EXPECT_FALSE(parse_account_map("server\ts\nstudent\ts\t1\n").ok());
    EXPECT_FALSE(parse_account_map("student\ts\t1\nserver\ts\n").ok());
}

TEST(AccountMap, RefusesAStudentWhoseClientIdIsAnotherAccountsName) {
    // The user ID `server` would give its student the server's default client ID.
    auto map = parse_account_map("server\tcmdlink-server\nstudent\ta\tserver\n");
    ASSERT_FALSE(map.ok());
    EXPECT_NE(map.error().find("'cmdlink-server'"), std::string::npos) << map.error();
    EXPECT_FALSE(parse_account_map("server\ts\nstudent\ta\t1\nstudent\tcmdlink-1\t2\n").ok());
}

TEST(AccountMap, RenderRefusesWhatThePluginWould) {
    auto text = render_account_map("srv", {{"a:b", "1"}});
    ASSERT_FALSE(text.ok());
    EXPECT_NE(text.error().find("':'"), std::string::npos) << text.error();
}

}  // namespace
}  // namespace cmdlink::broker_plugin
