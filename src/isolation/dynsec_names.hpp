#pragma once

#include <string>
#include <string_view>

// Names shared by the roster broker setup (`cmdlink broker-config`), which creates them, and
// the server, which grants each new session's topics through them; see docs/isolation.md.
namespace cmdlink::isolation {

// The control topic of Mosquitto's dynamic security plugin: its administrator publishes
// commands there.
inline constexpr std::string_view kDynsecControlTopic = "$CONTROL/dynamic-security/v1";

// Where the plugin answers those commands.
inline constexpr std::string_view kDynsecResponseTopic = "$CONTROL/dynamic-security/v1/response";

// The dynamic-security group that holds the account of the student with this user ID.
inline std::string user_group_name(std::string_view user_id) {
    return "cmdlink-user-" + std::string(user_id);
}

// The role with that student's standing rights (`login`, `<user ID>/UUID`); same name as the
// group, which has it.
inline std::string user_role_name(std::string_view user_id) {
    return user_group_name(user_id);
}

// The role, replaced at every new session, with that student's rights on its current session.
inline std::string session_role_name(std::string_view user_id) {
    return "cmdlink-session-" + std::string(user_id);
}

}  // namespace cmdlink::isolation
