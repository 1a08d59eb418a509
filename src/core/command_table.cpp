#include "core/command_table.hpp"

#include <algorithm>

#include "core/protocol.hpp"
#include "core/text_checks.hpp"
#include "core/text_lines.hpp"

namespace cmdlink::core {
namespace {

std::string_view trim(std::string_view text) {
    const auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\r'; };
    while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
    while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
    return text;
}

std::string_view unquote(std::string_view text) {
    if (text.size() >= 2 && (text.front() == '"' || text.front() == '\'') &&
        text.back() == text.front()) {
        return text.substr(1, text.size() - 2);
    }
    return text;
}

// Strips a trailing comment, but not a '#' inside a quoted reply.
std::string_view strip_comment(std::string_view line) {
    char quote = 0;
    for (std::size_t i = 0; i < line.size(); ++i) {
        const char c = line[i];
        if (quote != 0) {
            if (c == quote) quote = 0;
        } else if (c == '"' || c == '\'') {
            quote = c;
        } else if (c == '#') {
            return line.substr(0, i);
        }
    }
    return line;
}

struct SplitLine {
    std::string_view key;
    std::string_view value;
};

std::optional<SplitLine> split_entry(std::string_view line) {
    const std::size_t equals = line.find('=');
    if (equals != std::string_view::npos) {
        return SplitLine{trim(line.substr(0, equals)), unquote(trim(line.substr(equals + 1)))};
    }
    const std::size_t space = line.find_first_of(" \t");
    if (space == std::string_view::npos) return std::nullopt;
    return SplitLine{trim(line.substr(0, space)), unquote(trim(line.substr(space + 1)))};
}

std::string at_line(std::size_t number) {
    return "line " + std::to_string(number) + ": ";
}

}  // namespace

CommandTable CommandTable::course_default() {
    return CommandTable({{"CMD1", "Apple"},
                         {"CMD2", "Cat"},
                         {"CMD3", "Dog"},
                         {"CMD4", "Rat"},
                         {"CMD5", "Boy"},
                         {"CMD6", "Girl"},
                         {"CMD7", "Toy"}});
}

Result<CommandTable> CommandTable::parse(std::string_view text) {
    std::vector<CommandEntry> entries;
    LineReader lines(text);
    while (const auto read = lines.next()) {
        const std::size_t number = read->number;
        const std::string_view line = trim(strip_comment(read->text));
        if (line.empty() || line.front() == '[') continue;
        const auto entry = split_entry(line);
        if (!entry) {
            return Error{at_line(number) + "expected `COMMAND REPLY` or `COMMAND = \"REPLY\"`"};
        }
        if (auto why = check_command_name(entry->key)) {
            return Error{at_line(number) + *why};
        }
        if (auto why = check_payload(entry->value)) {
            return Error{at_line(number) + "reply " + *why};
        }
        if (entry->key == kWellDone) {
            return Error{at_line(number) + "command may not be the final message"};
        }
        const bool duplicate = std::any_of(entries.begin(), entries.end(),
                                           [&](const auto& e) { return e.command == entry->key; });
        if (duplicate) {
            return Error{at_line(number) + "command " + std::string(entry->key) + " appears twice"};
        }
        entries.push_back({std::string(entry->key), std::string(entry->value)});
    }
    if (entries.empty()) return Error{"the command table has no entries"};
    return CommandTable(std::move(entries));
}

std::optional<std::size_t> CommandTable::find(std::string_view command) const {
    for (std::size_t i = 0; i < entries_.size(); ++i) {
        if (entries_[i].command == command) return i;
    }
    return std::nullopt;
}

}  // namespace cmdlink::core
