#include "isolation/roster.hpp"

#include <gtest/gtest.h>

#include <string>

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

}  // namespace
}  // namespace cmdlink::isolation
