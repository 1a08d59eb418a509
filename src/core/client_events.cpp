#include "core/client_events.hpp"

namespace cmdlink::core {

std::string_view to_string(ClientOutcome outcome) {
    switch (outcome) {
        case ClientOutcome::kRunning:
            return "running";
        case ClientOutcome::kPassed:
            return "passed";
        case ClientOutcome::kLoginTimeout:
            return "login_timeout";
        case ClientOutcome::kIdleTimeout:
            return "idle_timeout";
        case ClientOutcome::kRefused:
            return "refused";
        case ClientOutcome::kFailed:
            return "failed";
    }
    return "unknown";
}

void keep_text(client_event::LoginSent& event, TextArena& arena) {
    event.user_id = arena.keep(event.user_id);
}
void keep_text(client_event::SessionAssigned& event, TextArena& arena) {
    event.session_id = arena.keep(event.session_id);
}
void keep_text(client_event::CommandAnswered& event, TextArena& arena) {
    event.command = arena.keep(event.command);
    event.reply = arena.keep(event.reply);
}
void keep_text(client_event::UnknownCommand& event, TextArena& arena) {
    event.command = arena.keep(event.command);
}
void keep_text(client_event::Ignored& event, TextArena& arena) {
    event.topic = arena.keep(event.topic);
}
void keep_text(client_event::VerdictReceived& event, TextArena& arena) {
    event.session_id = arena.keep(event.session_id);
    event.reason = arena.keep(event.reason);
}
void keep_text(client_event::Finished& /*event*/, TextArena& /*arena*/) {}

}  // namespace cmdlink::core
