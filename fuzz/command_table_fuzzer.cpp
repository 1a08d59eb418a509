// CommandTable::parse: what it accepts satisfies PROTOCOL.md's rules for commands and replies,
// comes from the text, survives Windows line ends and a missing last line end, and writes
// back out to a file that parses to the same table.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/command_table.hpp"
#include "core/protocol.hpp"
#include "core/text_checks.hpp"
#include "fuzz_support.hpp"

namespace {

using cmdlink::core::CommandEntry;
using cmdlink::core::CommandTable;
using cmdlink::core::Result;
using cmdlink::fuzz::require;

bool same_result(const Result<CommandTable>& a, const Result<CommandTable>& b) {
    if (a.ok() != b.ok()) return false;
    if (!a.ok()) return a.error() == b.error();
    const auto& x = a.value().entries();
    const auto& y = b.value().entries();
    if (x.size() != y.size()) return false;
    for (std::size_t i = 0; i < x.size(); ++i) {
        if (x[i].command != y[i].command || x[i].reply != y[i].reply) return false;
    }
    return true;
}

void check_entries(const CommandTable& table, std::string_view text) {
    namespace core = cmdlink::core;
    require(table.size() > 0, "an accepted table without entries");
    for (std::size_t i = 0; i < table.size(); ++i) {
        const CommandEntry& entry = table.at(i);
        require(!core::check_command_name(entry.command), "an accepted command is not valid");
        require(!core::check_payload(entry.reply), "an accepted reply is not a valid payload");
        require(entry.command != core::kWellDone, "the final message accepted as a command");
        require(table.find(entry.command) == i, "find() misses a command or it appears twice");
        require(text.find(entry.command) != std::string_view::npos, "a command not in the text");
        require(text.find(entry.reply) != std::string_view::npos, "a reply not in the text");
    }
}

// `COMMAND = "REPLY"` (or with single quotes) says exactly that entry when the command holds
// no quote and the reply not the quote around it; the rest are left out of the round trip.
std::string written_back(const CommandTable& table, std::vector<CommandEntry>& written) {
    std::string text = "# written back by the fuzzer\n[commands]\n";
    for (const CommandEntry& entry : table.entries()) {
        if (entry.command.find_first_of("\"'") != std::string::npos) continue;
        char quote = '"';
        if (entry.reply.find('"') != std::string::npos) quote = '\'';
        if (entry.reply.find(quote) != std::string::npos) continue;
        text += entry.command + " = " + quote + entry.reply + quote + "\n";
        written.push_back(entry);
    }
    return text;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text = cmdlink::fuzz::as_text(data, size);
    const auto parsed = CommandTable::parse(text);
    if (!parsed) require(!parsed.error().empty(), "a refusal without a reason");

    require(same_result(parsed, CommandTable::parse(cmdlink::fuzz::with_crlf(text))),
            "Windows line ends change the table");
    require(same_result(parsed, CommandTable::parse(std::string(text) + "\n")),
            "a final line end changes the table");
    if (!parsed) return 0;
    check_entries(parsed.value(), text);

    std::vector<CommandEntry> written;
    const std::string again = written_back(parsed.value(), written);
    if (written.empty()) return 0;
    const auto reparsed = CommandTable::parse(again);
    require(reparsed.ok(), "a table written back does not parse");
    const auto& entries = reparsed.value().entries();
    require(entries.size() == written.size(), "a table written back has other entries");
    for (std::size_t i = 0; i < written.size(); ++i) {
        require(entries[i].command == written[i].command && entries[i].reply == written[i].reply,
                "an entry written back reads differently");
    }
    return 0;
}
