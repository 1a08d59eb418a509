#include "isolation/pool_acl.hpp"

#include <unordered_map>

#include "core/protocol.hpp"

namespace cmdlink::isolation {

std::string render_pool_acl(const std::vector<RosterEntry>& roster,
                            const std::vector<core::PooledSessionId>& pool,
                            std::string_view server_user) {
    std::unordered_map<std::string_view, std::vector<std::string_view>> ids_of;
    for (const core::PooledSessionId& entry : pool) {
        ids_of[entry.user_id].push_back(entry.session_id);
    }
    std::string text =
        "# Written by cmdlink broker-config (docs/isolation.md). Whatever is not allowed here\n"
        "# is denied: subscriptions to wildcards are granted, but every message is checked\n"
        "# against these rules again before it is delivered.\n\n";
    text += "user " + std::string(server_user) + "\n";
    // `+/+` also brings back the server's own `<user ID>/UUID` and `<user ID>/result`
    // publishes, which it ignores.
    text += "topic read " + std::string(core::kLoginTopic) + "\ntopic read +/+\n";
    text += "topic write +/UUID\ntopic write +/result\ntopic write +\n";
    for (const RosterEntry& entry : roster) {
        text += "\nuser " + entry.username + "\n";
        text += "topic write " + std::string(core::kLoginTopic) + "\n";
        text += "topic read " + core::session_id_topic(entry.user_id) + "\n";
        // The server's verdict (`server --feedback`): their own, and nobody else's.
        text += "topic read " + core::result_topic(entry.user_id) + "\n";
        for (const std::string_view id : ids_of[entry.user_id]) {
            text += "topic read ";
            text += id;
            text += "\ntopic write ";
            text += id;
            text += "/+\n";
        }
    }
    return text;
}

std::optional<std::string> check_acl_text(std::string_view text) {
    constexpr std::string_view kBlanks = " \t";
    if (!text.empty() && (kBlanks.find(text.front()) != std::string_view::npos ||
                          kBlanks.find(text.back()) != std::string_view::npos)) {
        return "it starts or ends with a blank, which Mosquitto's acl_file cannot hold";
    }
    return std::nullopt;
}

}  // namespace cmdlink::isolation
