// parse_roster: every student it accepts has a usable account and a user ID that satisfies
// PROTOCOL.md, none twice; the roster written back as RFC 4180 CSV reads the same; and the
// server's account may not be a student's.
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/text_checks.hpp"
#include "fuzz_support.hpp"
#include "isolation/roster.hpp"

namespace {

using cmdlink::fuzz::require;
using cmdlink::isolation::RosterEntry;

std::string quoted(std::string_view field) {
    std::string out = "\"";
    for (const char c : field) {
        if (c == '"') out += '"';
        out += c;
    }
    return out + "\"";
}

void check_entries(const std::vector<RosterEntry>& entries, std::string_view text) {
    namespace core = cmdlink::core;
    namespace isolation = cmdlink::isolation;
    require(!entries.empty(), "an accepted roster without students");
    std::set<std::string> usernames;
    std::set<std::string> user_ids;
    std::size_t previous_line = 1;  // the header's, at least
    for (const RosterEntry& entry : entries) {
        require(!isolation::check_username(entry.username), "an accepted user name is bad");
        require(!entry.password.empty(), "an accepted empty password");
        require(!core::check_user_id(entry.user_id), "an accepted user ID breaks PROTOCOL.md");
        require(entry.hashed == isolation::is_password_hash(entry.password),
                "hashed does not say whether the password is a hash");
        require(usernames.insert(entry.username).second, "a user name accepted twice");
        require(user_ids.insert(entry.user_id).second, "a user ID accepted twice");
        require(entry.line > previous_line, "entries not in the order of their lines");
        previous_line = entry.line;
    }
    require(previous_line <= text.size(), "an entry on a line the text does not have");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    namespace isolation = cmdlink::isolation;
    const std::string_view text = cmdlink::fuzz::as_text(data, size);
    const auto parsed = isolation::parse_roster(text);
    if (!parsed) {
        require(!parsed.error().empty(), "a refusal without a reason");
        return 0;
    }
    const auto& entries = parsed.value();
    check_entries(entries, text);

    std::string again = "username,password,user_id\n";
    for (const RosterEntry& entry : entries) {
        again += quoted(entry.username) + "," + quoted(entry.password) + "," +
                 quoted(entry.user_id) + "\n";
    }
    const auto reparsed = isolation::parse_roster(again);
    require(reparsed.ok(), "a roster written back does not parse");
    require(reparsed.value().size() == entries.size(), "a roster written back has other students");
    for (std::size_t i = 0; i < entries.size(); ++i) {
        const RosterEntry& a = entries[i];
        const RosterEntry& b = reparsed.value()[i];
        require(a.username == b.username && a.password == b.password && a.user_id == b.user_id &&
                    a.hashed == b.hashed && b.line == i + 2,
                "a student written back reads differently");
    }

    const RosterEntry& first = entries.front();
    require(!isolation::check_server_account(entries, first.username, "secret").ok(),
            "a student's user name accepted for the server's account");
    return 0;
}
