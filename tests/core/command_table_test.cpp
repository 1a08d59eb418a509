#include "core/command_table.hpp"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "recording_output.hpp"

namespace cmdlink::core {
namespace {

using test_support::Contains;
using Pairs = std::vector<std::pair<std::string, std::string>>;

Pairs pairs_of(const CommandTable& table) {
    Pairs found;
    for (const CommandEntry& entry : table.entries())
        found.emplace_back(entry.command, entry.reply);
    return found;
}

Pairs parsed(std::string_view text) {
    auto table = CommandTable::parse(text);
    if (!table) {
        ADD_FAILURE() << "parse failed: " << table.error();
        return {};
    }
    return pairs_of(table.value());
}

std::string parse_error(std::string_view text) {
    auto table = CommandTable::parse(text);
    if (table) {
        ADD_FAILURE() << "parse unexpectedly succeeded";
        return {};
    }
    return table.error();
}

TEST(CommandTable, DefaultIsTheCourseTableInOrder) {
    const Pairs expected = {{"CMD1", "Apple"}, {"CMD2", "Cat"},  {"CMD3", "Dog"}, {"CMD4", "Rat"},
                            {"CMD5", "Boy"},   {"CMD6", "Girl"}, {"CMD7", "Toy"}};
    EXPECT_EQ(pairs_of(CommandTable::course_default()), expected);
}

TEST(CommandTable, FindReturnsTheIndexOfAKnownCommand) {
    const CommandTable table = CommandTable::course_default();
    EXPECT_EQ(table.size(), 7U);
    ASSERT_EQ(table.find("CMD1"), 0U);
    EXPECT_EQ(table.find("CMD7"), 6U);
    EXPECT_EQ(table.at(*table.find("CMD6")).reply, "Girl");
}

TEST(CommandTable, FindIsExactAndCaseSensitive) {
    const CommandTable table = CommandTable::course_default();
    EXPECT_EQ(table.find("CMD8"), std::nullopt);
    EXPECT_EQ(table.find("cmd1"), std::nullopt);
    EXPECT_EQ(table.find("CMD1 "), std::nullopt);
    EXPECT_EQ(table.find("CMD"), std::nullopt);
    EXPECT_EQ(table.find(""), std::nullopt);
}

TEST(CommandTable, ParsesSpaceSeparatedLines) {
    EXPECT_EQ(parsed("CMD1 Apple\nCMD2 Cat\n"), (Pairs{{"CMD1", "Apple"}, {"CMD2", "Cat"}}));
}

TEST(CommandTable, ParsesTabsAndSurroundingWhitespace) {
    EXPECT_EQ(parsed("  CMD1\tApple  \n\tCMD2    Cat"),
              (Pairs{{"CMD1", "Apple"}, {"CMD2", "Cat"}}));
}

TEST(CommandTable, ParsesEqualsSeparatedLines) {
    EXPECT_EQ(parsed("CMD1 = Apple\nCMD2=Cat"), (Pairs{{"CMD1", "Apple"}, {"CMD2", "Cat"}}));
}

TEST(CommandTable, ParsesTomlWithHeaderCommentsAndQuotes) {
    const char* toml =
        "# replies for the course server\n"
        "[commands]\n"
        "CMD1 = \"Apple\"  # the first one\n"
        "\n"
        "CMD2 = 'Cat'\n"
        "CMD3 = \"Dog # not a comment\"\n";
    EXPECT_EQ(parsed(toml),
              (Pairs{{"CMD1", "Apple"}, {"CMD2", "Cat"}, {"CMD3", "Dog # not a comment"}}));
}

TEST(CommandTable, KeepsSpacesInsideAReply) {
    EXPECT_EQ(parsed("CMD1 Big Apple\nCMD2 = \"Fat Cat\""),
              (Pairs{{"CMD1", "Big Apple"}, {"CMD2", "Fat Cat"}}));
}

TEST(CommandTable, AcceptsWindowsLineEndingsAndNoFinalNewline) {
    EXPECT_EQ(parsed("CMD1 Apple\r\nCMD2 Cat\r\n"), (Pairs{{"CMD1", "Apple"}, {"CMD2", "Cat"}}));
    EXPECT_EQ(parsed("CMD1 Apple"), (Pairs{{"CMD1", "Apple"}}));
}

TEST(CommandTable, ParsedTableFindsItsOwnCommands) {
    auto table = CommandTable::parse("A1 x\nB2 y\nCMD8 Pear\n");
    ASSERT_TRUE(table) << table.error();
    EXPECT_EQ(table.value().size(), 3U);
    EXPECT_EQ(table.value().find("CMD8"), 2U);
    EXPECT_EQ(table.value().find("CMD1"), std::nullopt);
}

TEST(CommandTable, RefusesADuplicateCommandNamingItsLine) {
    EXPECT_EQ(parse_error("CMD1 Apple\n# comment\nCMD1 Pear\n"),
              "line 3: command CMD1 appears twice");
}

TEST(CommandTable, RefusesALineWithoutAReplyNamingItsLine) {
    EXPECT_EQ(parse_error("CMD1 Apple\nCMD2\n"),
              "line 2: expected `COMMAND REPLY` or `COMMAND = \"REPLY\"`");
}

TEST(CommandTable, RefusesAnEmptyReply) {
    EXPECT_EQ(parse_error("CMD1 =\n"), "line 1: reply payload is empty");
    EXPECT_EQ(parse_error("CMD1 = \"\"\n"), "line 1: reply payload is empty");
}

TEST(CommandTable, RefusesAReplyLongerThanAPayloadMayBe) {
    EXPECT_EQ(parse_error("CMD1 " + std::string(257, 'a')),
              "line 1: reply payload is 257 bytes long; at most 256 are allowed");
}

TEST(CommandTable, RefusesCommandNamesThatCannotEndATopic) {
    EXPECT_EQ(parse_error("CMD/1 Apple"),
              "line 1: command contains '/', which MQTT topics reserve");
    EXPECT_EQ(parse_error("CMD1 Apple\nCMD+ Cat"),
              "line 2: command contains '+', which MQTT topics reserve");
    EXPECT_EQ(parse_error("\n\n= Apple"), "line 3: command is empty");
    EXPECT_EQ(parse_error("CMD\xFF Apple"), "line 1: command is not valid UTF-8");
}

TEST(CommandTable, RefusesTheFinalMessageAsACommand) {
    EXPECT_EQ(parse_error("Well done my IoT! = Apple"),
              "line 1: command may not be the final message");
}

TEST(CommandTable, RefusesAnEmptyTable) {
    EXPECT_EQ(parse_error(""), "the command table has no entries");
    EXPECT_EQ(parse_error("# only comments\n[commands]\n\n"), "the command table has no entries");
}

}  // namespace
}  // namespace cmdlink::core
