#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace cmdlink::core {

// One line of a text: its 1-based number (for messages) and what it holds, without its line
// end.
struct TextLine {
    std::size_t number = 0;
    std::string_view text;
};

// The lines of a text file, one at a time, for every parser of one: a line ends at `\n`, and
// a `\r` before it goes too (files written on Windows); the last line needs no line end, and
// nothing after a final line end counts as a line. The text must outlive the reader.
class LineReader {
  public:
    explicit LineReader(std::string_view text) : rest_(text) {}

    // The next line, or nothing at the end of the text.
    std::optional<TextLine> next();

  private:
    std::string_view rest_;
    std::size_t number_ = 0;
};

// The last `count` lines of `text`, without a trailing newline.
std::string last_lines(std::string_view text, std::size_t count);

}  // namespace cmdlink::core
