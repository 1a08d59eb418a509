#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace cmdlink::core {

struct CommandEntry {
    std::string command;
    std::string reply;
};

// The command -> reply table both sides share (PROTOCOL.md, "Command table").
class CommandTable {
  public:
    static CommandTable course_default();

    // Accepts `CMD1 Apple`, `CMD1 = Apple` and TOML's `CMD1 = "Apple"`, one per line;
    // `#` starts a comment and a `[section]` header is skipped, so a small TOML file loads.
    static Result<CommandTable> parse(std::string_view text);

    // Tables are a handful of entries: a linear scan beats hashing and allocates nothing.
    [[nodiscard]] std::optional<std::size_t> find(std::string_view command) const;
    [[nodiscard]] const CommandEntry& at(std::size_t index) const { return entries_[index]; }
    [[nodiscard]] std::size_t size() const { return entries_.size(); }
    [[nodiscard]] const std::vector<CommandEntry>& entries() const { return entries_; }

  private:
    explicit CommandTable(std::vector<CommandEntry> entries) : entries_(std::move(entries)) {}
    std::vector<CommandEntry> entries_;
};

}  // namespace cmdlink::core
