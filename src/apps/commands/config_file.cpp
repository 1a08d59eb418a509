#include "apps/commands/config_file.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <system_error>
#include <utility>

namespace cmdlink::apps {
namespace {

// A top-level key with the line it was written on: toml++ keeps a table's keys sorted by
// name, and a file's problems and flags are to be met in the order the file has them.
struct RootKey {
    std::size_t line = 0;
    std::string_view key;
    const toml::node* value = nullptr;
};

std::vector<RootKey> keys_in_file_order(const toml::table& root) {
    std::vector<RootKey> keys;
    for (const auto& [key, value] : root) {
        // A table only implied by a deeper [a.b] header has no place of its own.
        std::size_t line = key.source().begin.line;
        if (line == 0) line = value.source().begin.line;
        keys.push_back(RootKey{line, key.str(), &value});
    }
    std::stable_sort(keys.begin(), keys.end(),
                     [](const RootKey& a, const RootKey& b) { return a.line < b.line; });
    return keys;
}

core::Result<std::string> shortest_text(double number) {
    std::array<char, 64> text{};
    const auto [end, error] = std::to_chars(text.data(), text.data() + text.size(), number);
    if (error != std::errc{})
        return core::Error{"cannot write the number " + std::to_string(number)};
    return std::string(text.data(), end);
}

// The value as it would follow the flag on the command line.
core::Result<std::string> flag_text(std::string_view key, const toml::node& value) {
    if (const auto* text = value.as_string()) return text->get();
    if (const auto* integer = value.as_integer()) return std::to_string(integer->get());
    if (const auto* number = value.as_floating_point()) return shortest_text(number->get());
    if (const auto* truth = value.as_boolean()) return std::string(truth->get() ? "true" : "false");
    if (value.is_date() || value.is_time() || value.is_date_time()) {
        return core::Error{"the value of " + std::string(key) +
                           " is a date or time, which no flag takes; quote it to give it as text"};
    }
    return core::Error{"the list of " + std::string(key) +
                       " holds a list or a table; a flag takes strings, numbers or true/false"};
}

core::Error at_line(std::size_t line, const std::string& message) {
    return core::Error{"line " + std::to_string(line) + ": " + message};
}

bool is_section(const toml::node& value) {
    const auto* list = value.as_array();
    return value.is_table() || (list != nullptr && list->is_array_of_tables());
}

// Errors come with their line: a list's element may sit on a line of its own.
core::Result<std::vector<std::string>> flag_values(const RootKey& root_key) {
    const std::string_view key = root_key.key;
    const toml::node& value = *root_key.value;
    std::vector<std::string> values;
    const auto* list = value.as_array();
    if (list == nullptr) {
        auto text = flag_text(key, value);
        if (!text) return at_line(root_key.line, text.error());
        values.push_back(std::move(text.value()));
        return values;
    }
    if (list->empty()) {
        return at_line(root_key.line, "the list of " + std::string(key) + " is empty");
    }
    for (const toml::node& element : *list) {
        auto text = flag_text(key, element);
        if (!text) {
            const std::size_t line = element.source().begin.line;
            return at_line(line != 0 ? line : root_key.line, text.error());
        }
        values.push_back(std::move(text.value()));
    }
    return values;
}

}  // namespace

core::Result<std::vector<ConfigEntry>> parse_config_text(std::string_view text) {
    toml::table root;
    try {
        root = toml::parse(text);
    } catch (const toml::parse_error& error) {
        return at_line(error.source().begin.line, std::string(error.description()));
    }
    std::vector<ConfigEntry> entries;
    for (const RootKey& root_key : keys_in_file_order(root)) {
        if (is_section(*root_key.value)) {
            return at_line(root_key.line,
                           "sections and dotted keys are not flags; write `key = value` at the "
                           "top");
        }
        auto values = flag_values(root_key);
        if (!values) return values.failure();
        entries.push_back(
            ConfigEntry{std::string(root_key.key), std::move(values.value()), root_key.line});
    }
    return entries;
}

}  // namespace cmdlink::apps
