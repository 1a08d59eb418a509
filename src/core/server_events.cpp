#include "core/server_events.hpp"

namespace cmdlink::core {

std::string_view to_string(Verdict verdict) {
    switch (verdict) {
        case Verdict::kCorrect:
            return "correct";
        case Verdict::kLowQos:
            return "low_qos";
        case Verdict::kWrong:
            return "wrong";
        case Verdict::kSurplus:
            return "surplus";
        case Verdict::kUnexpected:
            return "unexpected";
        case Verdict::kUnknownSession:
            return "unknown_session";
        case Verdict::kAfterEnd:
            return "after_end";
    }
    return "unknown";
}

std::string_view to_string(SessionOutcome outcome) {
    switch (outcome) {
        case SessionOutcome::kPassed:
            return "passed";
        case SessionOutcome::kFailed:
            return "failed";
        case SessionOutcome::kAbandoned:
            return "abandoned";
        case SessionOutcome::kTimedOut:
            return "timed_out";
        case SessionOutcome::kInterrupted:
            return "interrupted";
    }
    return "unknown";
}

void keep_text(server_event::LoginRefused& event, TextArena& arena) {
    event.user_id = arena.keep(event.user_id);
}
void keep_text(server_event::SessionIssued& event, TextArena& arena) {
    event.user_id = arena.keep(event.user_id);
    event.session_id = arena.keep(event.session_id);
}
void keep_text(server_event::SessionAnnounced& event, TextArena& arena) {
    event.user_id = arena.keep(event.user_id);
    event.session_id = arena.keep(event.session_id);
}
void keep_text(server_event::CommandSent& event, TextArena& arena) {
    event.session_id = arena.keep(event.session_id);
    event.command = arena.keep(event.command);
}
void keep_text(server_event::ReplyChecked& event, TextArena& arena) {
    event.session_id = arena.keep(event.session_id);
    event.command = arena.keep(event.command);
    event.word = arena.keep(event.word);
}
void keep_text(server_event::SessionEnded& event, TextArena& arena) {
    event.summary.user_id = arena.keep(event.summary.user_id);
    event.summary.session_id = arena.keep(event.summary.session_id);
}
void keep_text(server_event::MessageIgnored& event, TextArena& arena) {
    event.topic = arena.keep(event.topic);
}
void keep_text(server_event::Ready& /*event*/, TextArena& /*arena*/) {}
void keep_text(server_event::SubscriptionRefused& event, TextArena& arena) {
    event.topic = arena.keep(event.topic);
}

}  // namespace cmdlink::core
