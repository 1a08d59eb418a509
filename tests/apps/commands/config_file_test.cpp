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
        "host = [\"a\", 'b:1884' , \"c\"]  # failover\n");
    ASSERT_EQ(entries.size(), 5U);
    EXPECT_EQ(entries[0].values, std::vector<std::string>{"say \"hi\" \\ # not a comment"});
    EXPECT_EQ(entries[1].values, std::vector<std::string>{"C:\\path"});
    EXPECT_EQ(entries[2].values, std::vector<std::string>{"1000"});
    EXPECT_EQ(entries[3].values, std::vector<std::string>{"-2.5"});
    EXPECT_EQ(entries[4].values, (std::vector<std::string>{"a", "b:1884", "c"}));
}

TEST(ConfigText, AnEmptyFileHasNoEntries) {
    EXPECT_TRUE(parsed("").empty());
    EXPECT_TRUE(parsed("# nothing\n\n").empty());
}

TEST(ConfigText, MalformedLinesAreRefusedWithTheirLineNumber) {
    EXPECT_EQ(error_for("port = 1883\nhost 127.0.0.1\n"),
              "line 2: expected key = value, as in host = \"127.0.0.1\"");
    EXPECT_EQ(error_for("host = 127.0.0.1\n"),
              "line 1: host = 127.0.0.1: text needs quotes, as in host = \"127.0.0.1\"");
    EXPECT_EQ(error_for("\nhost = \"127.0.0.1\n"), "line 2: a string without its closing \"");
    EXPECT_EQ(error_for("host = 'x\n"), "line 1: a string without its closing '");
    EXPECT_EQ(error_for("host =\n"), "line 1: no value after 'host ='");
    EXPECT_EQ(error_for("= 1\n"), "line 1: no key before '='");
    EXPECT_EQ(error_for("host = \"a\" \"b\"\n"),
              "line 1: unexpected '\"b\"' after the value of host");
    EXPECT_EQ(error_for("[client]\n"),
              "line 1: sections such as [client] are not read: put the flags' names at the top "
              "of the file");
    EXPECT_EQ(error_for("client.host = \"a\"\n"),
              "line 1: the key 'client.host' is not a flag's name (letters, digits and '-' only)");
    EXPECT_EQ(error_for("host = [\"a\",\n"),
              "line 1: the list of host needs its closing ] on the same line");
    EXPECT_EQ(error_for("host = []\n"), "line 1: the list of host is empty");
    EXPECT_EQ(error_for("a = \"\\q\"\n"),
              "line 1: unsupported escape \\q in a string (use a 'literal string' for "
              "backslashes)");
}

TEST(ConfigText, AKeySetTwiceIsRefused) {
    EXPECT_EQ(error_for("port = 1\n# again\nport = 2\n"),
              "line 3: port is set twice (first on line 1)");
}

}  // namespace
}  // namespace cmdlink::apps
