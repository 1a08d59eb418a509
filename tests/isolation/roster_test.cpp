#include "isolation/roster.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace cmdlink::isolation {
namespace {

constexpr std::string_view kHeader = "username,password,user_id\n";

std::string roster(std::string_view rows) {
    return std::string(kHeader) + std::string(rows);
}

TEST(Roster, ParsesPlainAndHashedPasswords) {
    auto parsed = parse_roster(
        roster("alice,secret,1001\r\nbob,$7$101$c2FsdA==$aGFzaA==,1002\n\n# a comment\n"));
    ASSERT_TRUE(parsed.ok()) << parsed.error();
    ASSERT_EQ(parsed.value().size(), 2U);
    EXPECT_EQ(parsed.value()[0].username, "alice");
    EXPECT_EQ(parsed.value()[0].password, "secret");
    EXPECT_FALSE(parsed.value()[0].hashed);
    EXPECT_EQ(parsed.value()[0].user_id, "1001");
    EXPECT_EQ(parsed.value()[0].line, 2U);
    EXPECT_TRUE(parsed.value()[1].hashed);
    EXPECT_EQ(parsed.value()[1].line, 3U);
}

TEST(Roster, QuotedFieldsMayHoldCommasAndQuotes) {
    auto parsed = parse_roster(roster("\"smith, jo\",\"pa\"\"ss,word\",1003\n"));
    ASSERT_TRUE(parsed.ok()) << parsed.error();
    ASSERT_EQ(parsed.value().size(), 1U);
    EXPECT_EQ(parsed.value()[0].username, "smith, jo");
    EXPECT_EQ(parsed.value()[0].password, "pa\"ss,word");
}

TEST(Roster, RecognisesOnlyMosquittoHashes) {
    EXPECT_TRUE(is_password_hash("$6$salt$hash"));
    EXPECT_TRUE(is_password_hash("$7$101$salt$hash"));
    EXPECT_FALSE(is_password_hash("$7$"));
    EXPECT_FALSE(is_password_hash("$1$salt$hash"));
    EXPECT_FALSE(is_password_hash("plain"));
}

TEST(Roster, EveryBadLineIsReportedByNumber) {
    auto parsed =
        parse_roster(roster("alice,,1001\n"     // line 2: empty password
                            "bob,pw,10/02\n"    // line 3: invalid user ID
                            "alice,pw,1003\n"   // line 4: duplicate user name
                            "carol,pw,1003\n"   // line 5: duplicate user ID
                            "dave,pw\n"         // line 6: two fields
                            "\"eve,pw,1006\n"   // line 7: unclosed quote
                            "fr\"ed,pw,1007\n"  // line 8: quote inside a bare field
                            "gi:l,pw,1008\n"    // line 9: ':' in the user name
                            ",pw,1009\n"));     // line 10: empty user name
    ASSERT_FALSE(parsed.ok());
    const std::string& error = parsed.error();
    for (int line = 2; line <= 10; ++line) {
        EXPECT_NE(error.find("roster line " + std::to_string(line) + ":"), std::string::npos)
            << "line " << line << " in:\n"
            << error;
    }
    EXPECT_NE(error.find("already on line 2"), std::string::npos) << error;
    EXPECT_NE(error.find("already on line 4"), std::string::npos) << error;
}

TEST(Roster, NeedsTheHeaderFirst) {
    auto parsed = parse_roster("alice,pw,1001\n");
    ASSERT_FALSE(parsed.ok());
    EXPECT_NE(parsed.error().find("roster line 1: the first line must be the header"),
              std::string::npos)
        << parsed.error();
}

TEST(Roster, EmptyRostersAreRefused) {
    EXPECT_FALSE(parse_roster("").ok());
    EXPECT_FALSE(parse_roster(kHeader).ok());
}

TEST(RosterTable, FindsColumnsByNameInAnyOrderWithExtraColumns) {
    auto table = parse_roster_table(
        "name,user_id,email,username,password\n\"Smith, Jo\",1001,jo@example.org,alice,pw\n",
        "user_id");
    ASSERT_TRUE(table.ok()) << table.error();
    ASSERT_EQ(table.value().rows.size(), 1U);
    const auto user_id = table.value().column("user_id");
    const auto email = table.value().column("email");
    ASSERT_TRUE(user_id && email);
    EXPECT_EQ(table.value().rows[0].fields[*user_id], "1001");
    EXPECT_EQ(table.value().rows[0].fields[*email], "jo@example.org");
    EXPECT_EQ(table.value().rows[0].fields[0], "Smith, Jo");
    EXPECT_EQ(table.value().rows[0].line, 2U);
    EXPECT_FALSE(table.value().column("extension").has_value());
}

TEST(RosterTable, ReadsASemicolonExportWithAByteOrderMarkAndCrLf) {
    auto table =
        parse_roster_table("\xEF\xBB\xBFuser_id ; Name\r\n1001;M\xC3\xBCller, A.\r\n", "user_id");
    ASSERT_TRUE(table.ok()) << table.error();
    EXPECT_EQ(table.value().columns, (std::vector<std::string>{"user_id", "Name"}));
    ASSERT_EQ(table.value().rows.size(), 1U);
    EXPECT_EQ(table.value().rows[0].fields[1], "M\xC3\xBCller, A.");
}

TEST(RosterTable, RefusesAHeaderWithoutTheKeyColumn) {
    auto table = parse_roster_table("username,password\nalice,pw\n", "user_id");
    ASSERT_FALSE(table.ok());
    EXPECT_NE(table.error().find("no column `user_id`"), std::string::npos) << table.error();
}

TEST(RosterTable, ReportsShortRowsAndRepeatedOrEmptyKeysByLine) {
    auto table = parse_roster_table("user_id,name\n1001,a\n1002\n1001,b\n,c\n", "user_id");
    ASSERT_FALSE(table.ok());
    EXPECT_NE(table.error().find("line 3: expected 2 fields"), std::string::npos) << table.error();
    EXPECT_NE(table.error().find("line 4: user_id '1001' is already on line 2"), std::string::npos)
        << table.error();
    EXPECT_NE(table.error().find("line 5: the user_id is empty"), std::string::npos)
        << table.error();
}

TEST(RosterTable, TheBrokerRosterFormatReadsAsATable) {
    auto table = parse_roster_table(roster("alice,pw,1001\nbob,pw2,1002\n"), "user_id");
    ASSERT_TRUE(table.ok()) << table.error();
    EXPECT_EQ(table.value().rows.size(), 2U);
}

}  // namespace
}  // namespace cmdlink::isolation
