#include "core/text_lines.hpp"

namespace cmdlink::core {

std::optional<TextLine> LineReader::next() {
    if (rest_.empty()) return std::nullopt;
    const std::size_t newline = rest_.find('\n');
    std::string_view line = rest_.substr(0, newline);
    rest_ = newline == std::string_view::npos ? std::string_view{} : rest_.substr(newline + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    return TextLine{.number = ++number_, .text = line};
}

std::string last_lines(std::string_view text, std::size_t count) {
    while (!text.empty() && text.back() == '\n') text.remove_suffix(1);
    if (count == 0) return {};
    std::size_t begin = text.size();
    std::size_t found = 0;
    while (begin > 0) {
        const std::size_t newline = text.rfind('\n', begin - 1);
        if (newline == std::string_view::npos) {
            begin = 0;
            break;
        }
        if (++found == count) {
            begin = newline + 1;
            break;
        }
        begin = newline;
    }
    return std::string(text.substr(begin));
}

}  // namespace cmdlink::core
