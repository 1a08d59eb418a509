#pragma once

#include <string>
#include <string_view>
#include <variant>

namespace cmdlink::core {

enum class ClientOutcome { kRunning, kPassed, kLoginTimeout, kIdleTimeout };

std::string_view to_string(ClientOutcome outcome);

// What a client session reports for the transcript; views live only during the call.
namespace client_event {
struct LoginSent {
    std::string_view user_id;
    int qos;
};
struct SessionAssigned {
    std::string_view session_id;
};
struct CommandAnswered {
    std::string_view command;
    std::string_view reply;
    int qos;
};
struct UnknownCommand {
    std::string_view command;
    int qos;
};
struct Ignored {
    std::string_view topic;
    std::string reason;
};
struct Finished {
    ClientOutcome outcome;
};
}  // namespace client_event

using ClientEvent = std::variant<client_event::LoginSent, client_event::SessionAssigned,
                                 client_event::CommandAnswered, client_event::UnknownCommand,
                                 client_event::Ignored, client_event::Finished>;

}  // namespace cmdlink::core
