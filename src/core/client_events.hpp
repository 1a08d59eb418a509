#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "core/outbox.hpp"
#include "core/server_events.hpp"

namespace cmdlink::core {

// kRefused: the broker refused a subscription the exchange needs (an account that may not
// read `<user ID>/UUID` or its session topic), so waiting would only end in a timeout.
// kFailed: the server's verdict (`--feedback`) ended the session other than passed.
enum class ClientOutcome { kRunning, kPassed, kLoginTimeout, kIdleTimeout, kRefused, kFailed };

std::string_view to_string(ClientOutcome outcome);

// What a client session reports for the transcript; views live as long as their batch.
namespace client_event {
struct LoginSent {
    std::string_view user_id;
    int qos;
    int attempt = 1;  // 2 and up: sent again (a reconnect without our session, a retry)
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
// The server's verdict on this client's session (PROTOCOL.md, "Extension: the verdict for
// the student"); one other than passed is followed by Finished as failed. With
// `login_refused`, the server refused a login of ours (no session, `outcome` meaningless): the
// client goes on trying until its login timeout, which then gives this reason.
struct VerdictReceived {
    bool login_refused;
    std::string_view session_id;
    SessionOutcome outcome;
    std::string_view reason;
    std::uint32_t commands;
    std::uint32_t correct;
    std::uint32_t low_qos;
    std::uint32_t wrong;
    std::uint32_t surplus;
};
struct Finished {
    ClientOutcome outcome;
    std::string reason;  // why, for an outcome other than passed
};
}  // namespace client_event

using ClientEvent =
    std::variant<client_event::LoginSent, client_event::SessionAssigned,
                 client_event::CommandAnswered, client_event::UnknownCommand, client_event::Ignored,
                 client_event::VerdictReceived, client_event::Finished>;

// Re-points an event's views into `arena`, for an Outbox<ClientEvent>.
void keep_text(client_event::LoginSent& event, TextArena& arena);
void keep_text(client_event::SessionAssigned& event, TextArena& arena);
void keep_text(client_event::CommandAnswered& event, TextArena& arena);
void keep_text(client_event::UnknownCommand& event, TextArena& arena);
void keep_text(client_event::Ignored& event, TextArena& arena);
void keep_text(client_event::VerdictReceived& event, TextArena& arena);
void keep_text(client_event::Finished& event, TextArena& arena);

using ClientOutbox = Outbox<ClientEvent>;

}  // namespace cmdlink::core
