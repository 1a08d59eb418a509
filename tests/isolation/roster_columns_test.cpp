#include "isolation/roster_columns.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace cmdlink::isolation {
namespace {

TEST(RosterColumns, FindsTheColumnsByNameInAnyOrderBesideOthers) {
    auto read = read_roster("name,user_id,email,username\nAlice,1001,a@x.org,alice\n", {}, false);
    ASSERT_TRUE(read.ok()) << read.error();
    ASSERT_EQ(read.value().size(), 1U);
    EXPECT_EQ(read.value()[0].username, "alice");
    EXPECT_EQ(read.value()[0].user_id, "1001");
    EXPECT_EQ(read.value()[0].password, "");
    EXPECT_EQ(read.value()[0].line, 2U);
}

TEST(RosterColumns, ReadsASpreadsheetExportWithAByteOrderMarkAndSemicolons) {
    auto read =
        read_roster("\xEF\xBB\xBFusername;user_id\r\nalice;1001\r\nbob;1002\r\n", {}, false);
    ASSERT_TRUE(read.ok()) << read.error();
    ASSERT_EQ(read.value().size(), 2U);
    EXPECT_EQ(read.value()[1].username, "bob");
    EXPECT_EQ(read.value()[1].user_id, "1002");
}

TEST(RosterColumns, TakesOtherColumnNamesFromAMapping) {
    auto columns = parse_column_mapping("username = E-Mail, user_id=Matrikelnummer");
    ASSERT_TRUE(columns.ok()) << columns.error();
    EXPECT_EQ(columns.value().password, "password");
    auto read = read_roster("Matrikelnummer;E-Mail\n1001;a@x.org\n", columns.value(), false);
    ASSERT_TRUE(read.ok()) << read.error();
    EXPECT_EQ(read.value()[0].username, "a@x.org");
    EXPECT_EQ(read.value()[0].user_id, "1001");
}

TEST(RosterColumns, RefusesAMappingWithAnUnknownOrRepeatedKey) {
    EXPECT_FALSE(parse_column_mapping("name=Name").ok());
    EXPECT_FALSE(parse_column_mapping("username=A,username=B").ok());
    EXPECT_FALSE(parse_column_mapping("username").ok());
    EXPECT_FALSE(parse_column_mapping("username=").ok());
}

TEST(RosterColumns, ReadsPasswordsOnlyWhenAskedAndThenNeedsEach) {
    const std::string text = "username,password,user_id\nalice,secret,1001\nbob,,1002\n";
    auto without = read_roster(text, {}, false);
    ASSERT_TRUE(without.ok()) << without.error();
    EXPECT_EQ(without.value()[0].password, "");
    auto with = read_roster(text, {}, true);
    ASSERT_FALSE(with.ok());
    EXPECT_EQ(with.error(), "roster line 3: the password is empty");
}

TEST(RosterColumns, NamesAMissingColumnAndWhatTheHeaderHas) {
    auto read = read_roster("email,user_id\na@x.org,1001\n", {}, false);
    ASSERT_FALSE(read.ok());
    EXPECT_NE(read.error().find("no column `username`"), std::string::npos) << read.error();
    EXPECT_NE(read.error().find("email, user_id"), std::string::npos) << read.error();
    EXPECT_NE(read.error().find("--columns"), std::string::npos) << read.error();
}

TEST(RosterColumns, ReportsEveryBadRowByItsLine) {
    auto read = read_roster("username,user_id\nalice,1001\nalice,1002\nbad:name,1003\ncarol,a/b\n",
                            {}, false);
    ASSERT_FALSE(read.ok());
    EXPECT_NE(read.error().find("roster line 3: user name 'alice' is already on line 2"),
              std::string::npos)
        << read.error();
    EXPECT_NE(read.error().find("roster line 4: the user name contains ':'"), std::string::npos)
        << read.error();
    EXPECT_NE(read.error().find("roster line 5: user ID 'a/b'"), std::string::npos) << read.error();
}

}  // namespace
}  // namespace cmdlink::isolation
