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

}  // namespace cmdlink::core
