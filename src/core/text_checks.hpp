#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace cmdlink::core {

// Each check returns why the text is refused, or nothing when it is acceptable.
bool is_valid_utf8(std::string_view text);
std::optional<std::string> check_payload(std::string_view payload);
std::optional<std::string> check_user_id(std::string_view user_id);
// A session ID becomes a topic of its own, so it must also be a publishable topic name.
std::optional<std::string> check_session_id(std::string_view session_id);
// A command name is the last level of its reply topic.
std::optional<std::string> check_command_name(std::string_view command);

// Renders untrusted bytes for a log line: printable ASCII kept, the rest escaped, length capped.
std::string printable(std::string_view text, std::size_t max_bytes = 80);

}  // namespace cmdlink::core
