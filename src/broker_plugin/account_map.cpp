#include "broker_plugin/account_map.hpp"

#include <unordered_set>

namespace cmdlink::broker_plugin {
namespace {

constexpr std::string_view kServerTag = "server";
constexpr std::string_view kStudentTag = "student";

bool has_control_character(std::string_view text) {
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte < 0x20 || byte == 0x7f) return true;
    }
    return false;
}

// Why a user name cannot be in the map, or empty. ':' is refused because the client ID rule
// takes what comes before the first ':' as the owning account's name.
std::string user_name_problem(std::string_view name) {
    if (name.empty()) return "the user name is empty";
    if (name.find(':') != std::string_view::npos) return "the user name contains ':'";
    if (has_control_character(name)) return "the user name contains a control character";
    return {};
}

std::string user_id_problem(std::string_view user_id) {
    if (user_id.empty()) return "the user ID is empty";
    if (has_control_character(user_id)) return "the user ID contains a control character";
    return {};
}

std::vector<std::string_view> split_tabs(std::string_view line) {
    std::vector<std::string_view> fields;
    std::size_t start = 0;
    while (true) {
        const std::size_t tab = line.find('\t', start);
        fields.push_back(line.substr(start, tab - start));
        if (tab == std::string_view::npos) return fields;
        start = tab + 1;
    }
}

// Adds one line's account; the reason it cannot, or empty.
std::string add_line(std::string_view line, AccountMap& map, bool& have_server,
                     std::unordered_set<std::string>& user_ids) {
    const auto fields = split_tabs(line);
    if (fields[0] == kServerTag) {
        if (fields.size() != 2) return "a server line is: server<TAB>user name";
        if (have_server) return "a second server line";
        if (auto why = user_name_problem(fields[1]); !why.empty()) return why;
        if (map.user_id_of.contains(std::string(fields[1]))) {
            return "the server's user name is also a student's";
        }
        map.server_user = fields[1];
        have_server = true;
        return {};
    }
    if (fields[0] == kStudentTag) {
        if (fields.size() != 3) return "a student line is: student<TAB>user name<TAB>user ID";
        if (auto why = user_name_problem(fields[1]); !why.empty()) return why;
        if (auto why = user_id_problem(fields[2]); !why.empty()) return why;
        std::string username(fields[1]);
        std::string user_id(fields[2]);
        if (have_server && username == map.server_user) {
            return "the user name is the server's";
        }
        if (map.user_id_of.contains(username)) return "the user name '" + username + "' repeats";
        if (!user_ids.insert(user_id).second) return "the user ID '" + user_id + "' repeats";
        map.owner_of_default_id.emplace(default_client_id(user_id), username);
        map.user_id_of.emplace(std::move(username), std::move(user_id));
        return {};
    }
    return "a line starts with 'server' or 'student' and a tab";
}

}  // namespace

std::string default_client_id(std::string_view user_id) {
    return "cmdlink-" + std::string(user_id);
}

core::Result<std::string> render_account_map(std::string_view server_user,
                                             const std::vector<StudentAccount>& students) {
    std::string text =
        "# Written by cmdlink broker-config: the account each login and client ID is bound to\n"
        "# (docs/isolation.md). Fields are separated by tabs.\n";
    text += std::string(kServerTag) + "\t" + std::string(server_user) + "\n";
    for (const StudentAccount& student : students) {
        text += std::string(kStudentTag) + "\t" + student.username + "\t" + student.user_id + "\n";
    }
    // What the plugin would refuse at start is refused here, before anything is written.
    if (auto parsed = parse_account_map(text); !parsed) return parsed.failure();
    return text;
}

core::Result<AccountMap> parse_account_map(std::string_view text) {
    AccountMap map;
    bool have_server = false;
    std::unordered_set<std::string> user_ids;
    std::string problems;
    std::size_t number = 0;
    std::size_t start = 0;
    while (start < text.size()) {
        std::size_t end = text.find('\n', start);
        if (end == std::string_view::npos) end = text.size();
        std::string_view line = text.substr(start, end - start);
        start = end + 1;
        ++number;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.empty() || line.front() == '#') continue;
        if (auto why = add_line(line, map, have_server, user_ids); !why.empty()) {
            problems += "line " + std::to_string(number) + ": " + why + "\n";
        }
    }
    if (!have_server && problems.empty()) problems = "no server line\n";
    if (!problems.empty()) {
        problems.pop_back();
        return core::Error{problems};
    }
    // A student's default client ID may not be another account's name either (that would
    // give the name's owner and the student the same ID).
    for (const auto& [client_id, owner] : map.owner_of_default_id) {
        if (client_id == map.server_user || map.user_id_of.contains(client_id)) {
            return core::Error{"the client ID '" + client_id + "' of the student '" + owner +
                               "' is another account's user name"};
        }
    }
    return map;
}

}  // namespace cmdlink::broker_plugin
