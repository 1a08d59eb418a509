#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "isolation/dynsec_names.hpp"

namespace cmdlink::isolation {

// Where the server publishes grants: the dynamic security plugin's control topic.
inline constexpr std::string_view kGrantTopic = kDynsecControlTopic;

// Where the plugin answers the grants.
inline constexpr std::string_view kGrantResponseTopic = kDynsecResponseTopic;

// The dynamic security command that gives the student of `user_id` their new session's
// topics and only those: read `<session ID>`, write `<session ID>/<command>`. It replaces
// the role of the student's previous session, whose topics they lose. See docs/isolation.md.
std::string session_grant_command(std::string_view user_id, std::string_view session_id);

// What went wrong, one message per failed command of a response on kGrantResponseTopic
// (empty when all went well). Deleting a role that does not exist is no failure: a
// student's first session has no previous role.
std::vector<std::string> grant_failures(std::string_view response);

// The answers of one response, per session (the correlation data of its commands), each
// with what went wrong; a session without failures is granted.
struct GrantAnswer {
    std::string session_id;
    std::vector<std::string> failures;
};
std::vector<GrantAnswer> grant_answers(std::string_view response);

}  // namespace cmdlink::isolation
