#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "core/server_events.hpp"

namespace cmdlink::core {

// The server's verdict on one session as its student hears it on `<user ID>/result`
// (PROTOCOL.md, "Extension: the verdict for the student"): a JSON object.
//
// With `login_refused`, it is no session's: the server refused a login from this user ID
// (outcome "refused", no session ID, every count 0), and `reason` says why.
struct SessionVerdict {
    bool login_refused = false;
    std::string session_id;
    SessionOutcome outcome = SessionOutcome::kFailed;
    std::string reason;  // empty when passed
    std::uint32_t commands = 0;
    std::uint32_t correct = 0;
    std::uint32_t low_qos = 0;
    std::uint32_t wrong = 0;
    std::uint32_t surplus = 0;
};

// A verdict longer than this is no verdict of ours: a reason holds at most a few quoted
// payloads of kMaxPayloadBytes.
inline constexpr std::size_t kMaxVerdictBytes = 4096;

std::string encode_verdict(const SessionSummary& summary);
std::string encode_login_refusal(std::string_view reason);
// The verdict in `payload`, or why it is none (not JSON, a field missing or of a wrong type,
// an unknown outcome). Never throws.
Result<SessionVerdict> decode_verdict(std::string_view payload);

}  // namespace cmdlink::core
