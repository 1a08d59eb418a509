// core/text_lines.hpp: the lines LineReader yields put the text back together, and
// last_lines() agrees with a split written here.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/text_lines.hpp"
#include "fuzz_support.hpp"

namespace {

using cmdlink::fuzz::require;

// The lines of `text` split at every '\n', after the trailing ones are dropped.
std::vector<std::string_view> split_after_trim(std::string_view text) {
    while (!text.empty() && text.back() == '\n') text.remove_suffix(1);
    std::vector<std::string_view> lines;
    if (text.empty()) return lines;
    std::size_t begin = 0;
    while (true) {
        const std::size_t newline = text.find('\n', begin);
        if (newline == std::string_view::npos) {
            lines.push_back(text.substr(begin));
            return lines;
        }
        lines.push_back(text.substr(begin, newline - begin));
        begin = newline + 1;
    }
}

void check_reader(std::string_view text) {
    cmdlink::core::LineReader reader(text);
    std::size_t expected_number = 0;
    std::size_t at = 0;  // where the next line must start in `text`
    while (const auto line = reader.next()) {
        require(line->number == ++expected_number, "line numbers are not 1, 2, 3, ...");
        require(line->text.data() == text.data() + at, "a line does not start where it should");
        require(line->text.find('\n') == std::string_view::npos, "a line holds a line end");
        at += line->text.size();
        // What follows the line: `\r\n`, `\n`, `\r` at the very end, or nothing at the end.
        if (at < text.size() && text[at] == '\r' &&
            (at + 1 == text.size() || text[at + 1] == '\n')) {
            ++at;
        }
        if (at < text.size()) {
            require(text[at] == '\n', "a line ends before its line end");
            ++at;
        }
        require(expected_number <= text.size(), "more lines than bytes");
    }
    require(at == text.size(), "the lines do not cover the text");
    require(!reader.next(), "a reader at its end yields another line");
}

void check_last_lines(std::string_view text, std::size_t count) {
    const auto lines = split_after_trim(text);
    std::string expected;
    const std::size_t first = lines.size() > count ? lines.size() - count : 0;
    for (std::size_t i = first; i < lines.size(); ++i) {
        if (i != first) expected += '\n';
        expected += lines[i];
    }
    require(cmdlink::core::last_lines(text, count) == expected,
            "last_lines disagrees with the reference split");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text = cmdlink::fuzz::as_text(data, size);
    check_reader(text);
    const std::size_t count = size == 0 ? 0 : data[0] % 8;
    check_last_lines(text, count);
    check_last_lines(text, 1);
    check_last_lines(text, 1000);
    return 0;
}
