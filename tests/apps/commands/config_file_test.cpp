#include "apps/commands/config_file.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace cmdlink::apps {
namespace {

std::vector<ConfigEntry> parsed(std::string_view text) {
    auto entries = parse_config_text(text);
    EXPECT_TRUE(entries) << entries.error();
    return entries ? entries.value() : std::vector<ConfigEntry>{};
}

std::string error_for(std::string_view text) {
    auto entries = parse_config_text(text);
    if (entries) {
        ADD_FAILURE() << "accepted";
        return {};
    }
    return entries.error();
}

TEST(ConfigText, ReadsKeysValuesAndLineNumbersSkippingCommentsAndBlankLines) {
    const auto entries = parsed(
        "# my course\n"
        "\n"
        "host = \"127.0.0.1\"   # the lab's broker\n"
        "port = 1883\n"
        "user-id = '12345'\r\n"
        "tls = false\n");
    ASSERT_EQ(entries.size(), 4U);
    EXPECT_EQ(entries[0].key, "host");
    EXPECT_EQ(entries[0].values, std::vector<std::string>{"127.0.0.1"});
    EXPECT_EQ(entries[0].line, 3U);
    EXPECT_EQ(entries[1].values, std::vector<std::string>{"1883"});
    EXPECT_EQ(entries[2].key, "user-id");
    EXPECT_EQ(entries[2].values, std::vector<std::string>{"12345"});
    EXPECT_EQ(entries[3].values, std::vector<std::string>{"false"});
    EXPECT_EQ(entries[3].line, 6U);
}

TEST(ConfigText, ReadsEscapesNumbersAndOneLineArrays) {
    const auto entries = parsed(
        "a = \"say \\\"hi\\\" \\\\ # not a comment\"\n"
        "b = 'C:\\path'\n"
        "c = 1_000\n"
        "d = -2.5\n"
        "host = [\"a\", 'b:1884' , \"c\"]  # failover\n"
        "e = 0x1F\n"
        "f = 3.0\n"
        "g = [1, true, 0.5]\n");
    ASSERT_EQ(entries.size(), 8U);
    EXPECT_EQ(entries[0].values, std::vector<std::string>{"say \"hi\" \\ # not a comment"});
    EXPECT_EQ(entries[1].values, std::vector<std::string>{"C:\\path"});
    EXPECT_EQ(entries[2].values, std::vector<std::string>{"1000"});
    EXPECT_EQ(entries[3].values, std::vector<std::string>{"-2.5"});
    EXPECT_EQ(entries[4].values, (std::vector<std::string>{"a", "b:1884", "c"}));
    EXPECT_EQ(entries[5].values, std::vector<std::string>{"31"});
    EXPECT_EQ(entries[6].values, std::vector<std::string>{"3"});
    EXPECT_EQ(entries[7].values, (std::vector<std::string>{"1", "true", "0.5"}));
}

TEST(ConfigText, EntriesComeInFileOrderWithTheLineOfTheirKey) {
    const auto entries = parsed(
        "zeta = 1\n"
        "host = [\n"
        "  \"a\",\n"
        "  \"b\",\n"
        "]\n"
        "alpha = 2\n");
    ASSERT_EQ(entries.size(), 3U);
    EXPECT_EQ(entries[0].key, "zeta");
    EXPECT_EQ(entries[1].key, "host");
    EXPECT_EQ(entries[1].line, 2U);
    EXPECT_EQ(entries[1].values, (std::vector<std::string>{"a", "b"}));
    EXPECT_EQ(entries[2].key, "alpha");
    EXPECT_EQ(entries[2].line, 6U);
}

TEST(ConfigText, AnEmptyFileHasNoEntries) {
    EXPECT_TRUE(parsed("").empty());
    EXPECT_TRUE(parsed("# nothing\n\n").empty());
}

// toml++ words these; a test holds the line and the part that names the fault.
void expect_refused_at(std::string_view text, std::string_view line_prefix,
                       std::string_view fault) {
    SCOPED_TRACE(text);
    const std::string error = error_for(text);
    EXPECT_EQ(error.rfind(line_prefix, 0), 0U) << error;
    EXPECT_NE(error.find(fault), std::string::npos) << error;
}

TEST(ConfigText, MalformedLinesAreRefusedWithTheirLineNumber) {
    expect_refused_at("port = 1883\nhost 127.0.0.1\n", "line 2: ", "expected '='");
    expect_refused_at("host = 127.0.0.1\n", "line 1: ", "floating-point");
    expect_refused_at("\nhost = \"127.0.0.1\n", "line 2: ", "string");
    expect_refused_at("host = 'x\n", "line 1: ", "literal string");
    expect_refused_at("host =\n", "line 1: ", "expected value");
    expect_refused_at("= 1\n", "line 1: ", "expected keys");
    expect_refused_at("host = \"a\" \"b\"\n", "line 1: ", "expected a comment or whitespace");
    expect_refused_at("host = [\"a\",\n", "line 1: ", "end-of-file");
    expect_refused_at("a = \"\\q\"\n", "line 1: ", "unknown escape sequence '\\q'");
}

TEST(ConfigText, WhatAFlagCannotTakeIsRefusedWithItsLineNumber) {
    EXPECT_EQ(error_for("port = 1\n[client]\nhost = \"a\"\n"),
              "line 2: sections and dotted keys are not flags; write `key = value` at the top");
    EXPECT_EQ(error_for("\nclient.host = \"a\"\n"),
              "line 2: sections and dotted keys are not flags; write `key = value` at the top");
    EXPECT_EQ(error_for("[[client]]\nhost = \"a\"\n"),
              "line 1: sections and dotted keys are not flags; write `key = value` at the top");
    EXPECT_EQ(error_for("host = []\n"), "line 1: the list of host is empty");
    EXPECT_EQ(error_for("host = [[\"a\"]]\n"),
              "line 1: the list of host holds a list or a table; a flag takes strings, numbers "
              "or true/false");
    EXPECT_EQ(error_for("host = [\n  \"a\",\n  [\"b\"],\n]\n"),
              "line 3: the list of host holds a list or a table; a flag takes strings, numbers "
              "or true/false");
    EXPECT_EQ(error_for("port = 1\nday = 2026-11-29\n"),
              "line 2: the value of day is a date or time, which no flag takes; quote it to give "
              "it as text");
}

TEST(ConfigText, TheFirstProblemInTheFileIsTheOneReported) {
    EXPECT_EQ(error_for("b = []\na.x = 1\n"), "line 1: the list of b is empty");
}

TEST(ConfigText, AKeySetTwiceIsRefused) {
    expect_refused_at("port = 1\n# again\nport = 2\n", "line 3: ", "'port'");
}

}  // namespace
}  // namespace cmdlink::apps
