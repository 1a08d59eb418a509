#include "apps/commands/config_file.hpp"

#include <optional>

#include "core/text_lines.hpp"

namespace cmdlink::apps {
namespace {

bool is_key_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
}

std::string_view trim_start(std::string_view text) {
    const auto first = text.find_first_not_of(" \t");
    return first == std::string_view::npos ? std::string_view() : text.substr(first);
}

std::string_view trim(std::string_view text) {
    text = trim_start(text);
    const auto last = text.find_last_not_of(" \t");
    return last == std::string_view::npos ? std::string_view() : text.substr(0, last + 1);
}

// A bare value TOML allows and a flag can take: a number, true or false.
bool is_bare_value(std::string_view text) {
    if (text == "true" || text == "false") return true;
    std::size_t i = (text.front() == '+' || text.front() == '-') ? 1 : 0;
    bool digits = false;
    bool point = false;
    for (; i < text.size(); ++i) {
        if (text[i] >= '0' && text[i] <= '9') {
            digits = true;
        } else if (text[i] == '.' && !point && digits) {
            point = true;
            digits = false;  // a digit must follow the point too
        } else if (text[i] != '_') {
            return false;
        }
    }
    return digits;
}

// Reads one value at the start of `rest` and advances past it; an error text otherwise.
class ValueReader {
  public:
    explicit ValueReader(std::string_view rest) : rest_(rest) {}

    [[nodiscard]] std::string_view rest() const { return rest_; }

    core::Result<std::string> read(std::string_view key) {
        if (rest_.empty()) return core::Error{"no value after '" + std::string(key) + " ='"};
        if (rest_.front() == '"') return read_basic();
        if (rest_.front() == '\'') return read_literal();
        const auto end = rest_.find_first_of(",]# \t");
        const std::string_view bare = rest_.substr(0, end);
        rest_.remove_prefix(bare.size());
        if (bare.empty() || !is_bare_value(bare)) {
            return core::Error{std::string(key) + " = " + std::string(bare) +
                               ": text needs quotes, as in " + std::string(key) + " = \"" +
                               std::string(bare) + "\""};
        }
        std::string value;
        for (const char c : bare) {
            if (c != '_') value += c;
        }
        return value;
    }

  private:
    core::Result<std::string> read_basic() {
        std::string value;
        for (std::size_t i = 1; i < rest_.size(); ++i) {
            const char c = rest_[i];
            if (c == '"') {
                rest_.remove_prefix(i + 1);
                return value;
            }
            if (c != '\\') {
                value += c;
                continue;
            }
            if (++i == rest_.size()) break;
            switch (rest_[i]) {
                case '"':
                    value += '"';
                    break;
                case '\\':
                    value += '\\';
                    break;
                case 'n':
                    value += '\n';
                    break;
                case 't':
                    value += '\t';
                    break;
                default:
                    return core::Error{std::string("unsupported escape \\") + rest_[i] +
                                       " in a string (use a 'literal string' for backslashes)"};
            }
        }
        return core::Error{"a string without its closing \""};
    }

    core::Result<std::string> read_literal() {
        const auto close = rest_.find('\'', 1);
        if (close == std::string_view::npos) return core::Error{"a string without its closing '"};
        std::string value(rest_.substr(1, close - 1));
        rest_.remove_prefix(close + 1);
        return value;
    }

    std::string_view rest_;
};

// What may follow a value: blanks and a comment.
bool only_comment_left(std::string_view rest) {
    rest = trim_start(rest);
    return rest.empty() || rest.front() == '#';
}

core::Result<std::vector<std::string>> read_values(std::string_view key, std::string_view text) {
    std::vector<std::string> values;
    if (text.empty() || text.front() != '[') {
        ValueReader reader(text);
        auto value = reader.read(key);
        if (!value) return value.failure();
        if (!only_comment_left(reader.rest())) {
            return core::Error{"unexpected '" + std::string(trim(reader.rest())) +
                               "' after the value of " + std::string(key)};
        }
        values.push_back(std::move(value.value()));
        return values;
    }
    std::string_view rest = trim_start(text.substr(1));
    while (!rest.empty() && rest.front() != ']') {
        ValueReader reader(rest);
        auto value = reader.read(key);
        if (!value) return value.failure();
        values.push_back(std::move(value.value()));
        rest = trim_start(reader.rest());
        if (!rest.empty() && rest.front() == ',')
            rest = trim_start(rest.substr(1));
        else if (rest.empty() || rest.front() != ']')
            break;
    }
    if (rest.empty() || rest.front() != ']') {
        return core::Error{"the list of " + std::string(key) +
                           " needs its closing ] on the same line"};
    }
    if (values.empty()) return core::Error{"the list of " + std::string(key) + " is empty"};
    if (!only_comment_left(rest.substr(1))) {
        return core::Error{"unexpected text after the list of " + std::string(key)};
    }
    return values;
}

core::Result<ConfigEntry> read_entry(std::string_view line) {
    if (line.front() == '[') {
        return core::Error{"sections such as " + std::string(line) +
                           " are not read: put the flags' names at the top of the file"};
    }
    const auto equals = line.find('=');
    if (equals == std::string_view::npos) {
        return core::Error{"expected key = value, as in host = \"127.0.0.1\""};
    }
    const std::string_view key = trim(line.substr(0, equals));
    if (key.empty()) return core::Error{"no key before '='"};
    for (const char c : key) {
        if (!is_key_char(c)) {
            return core::Error{"the key '" + std::string(key) +
                               "' is not a flag's name (letters, digits and '-' only)"};
        }
    }
    auto values = read_values(key, trim_start(line.substr(equals + 1)));
    if (!values) return values.failure();
    return ConfigEntry{std::string(key), std::move(values.value()), 0};
}

}  // namespace

core::Result<std::vector<ConfigEntry>> parse_config_text(std::string_view text) {
    std::vector<ConfigEntry> entries;
    core::LineReader lines(text);
    while (const auto line = lines.next()) {
        const std::string_view content = trim(line->text);
        if (content.empty() || content.front() == '#') continue;
        const auto at = [&](const std::string& message) {
            return core::Error{"line " + std::to_string(line->number) + ": " + message};
        };
        auto entry = read_entry(content);
        if (!entry) return at(entry.error());
        for (const ConfigEntry& earlier : entries) {
            if (earlier.key == entry.value().key) {
                return at(earlier.key + " is set twice (first on line " +
                          std::to_string(earlier.line) + ")");
            }
        }
        entry.value().line = line->number;
        entries.push_back(std::move(entry.value()));
    }
    return entries;
}

}  // namespace cmdlink::apps
