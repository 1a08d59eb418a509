#include "core/text_lines.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace cmdlink::core {
namespace {

// Every line as "number:text", read to the end (at most 100 lines: these texts are short).
std::vector<std::string> lines_of(std::string_view text) {
    std::vector<std::string> lines;
    LineReader reader(text);
    for (int i = 0; i < 100; ++i) {
        const auto line = reader.next();
        if (!line) break;
        lines.push_back(std::to_string(line->number) + ":" + std::string(line->text));
    }
    return lines;
}

TEST(LineReader, NumbersEveryLineIncludingEmptyOnes) {
    EXPECT_EQ(lines_of("a\n\nb\n"), (std::vector<std::string>{"1:a", "2:", "3:b"}));
}

TEST(LineReader, TakesALastLineWithoutLineEnd) {
    EXPECT_EQ(lines_of("a\nb"), (std::vector<std::string>{"1:a", "2:b"}));
}

TEST(LineReader, DropsTheCarriageReturnOfWindowsLineEndsOnly) {
    EXPECT_EQ(lines_of("a\r\nb\rc\r\n\r\n"), (std::vector<std::string>{"1:a", "2:b\rc", "3:"}));
}

TEST(LineReader, FindsNoLineInAnEmptyText) {
    EXPECT_TRUE(lines_of("").empty());
}

TEST(LastLines, KeepsTheLastLinesWithoutTheTrailingNewline) {
    EXPECT_EQ(last_lines("one\ntwo\nthree\n\n", 2), "two\nthree");
    EXPECT_EQ(last_lines("one\ntwo", 5), "one\ntwo");
    EXPECT_EQ(last_lines("one\ntwo", 0), "");
}

}  // namespace
}  // namespace cmdlink::core
