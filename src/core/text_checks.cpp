#include "core/text_checks.hpp"

#include <cstdint>

#include "core/protocol.hpp"

namespace cmdlink::core {
namespace {

// Length of the UTF-8 sequence that starts at `lead`, or 0 when `lead` cannot start one.
int sequence_length(std::uint8_t lead) {
    if (lead < 0x80) return 1;
    if (lead >= 0xC2 && lead <= 0xDF) return 2;
    if (lead >= 0xE0 && lead <= 0xEF) return 3;
    if (lead >= 0xF0 && lead <= 0xF4) return 4;
    return 0;
}

bool is_continuation(std::uint8_t byte) {
    return (byte & 0xC0U) == 0x80U;
}

bool is_control(unsigned char c) {
    return c < 0x20 || c == 0x7F;
}

std::optional<std::string> check_topic_level(std::string_view text, std::string_view what,
                                             std::size_t max_bytes) {
    if (text.empty()) return std::string(what) + " is empty";
    if (text.size() > max_bytes) {
        return std::string(what) + " is " + std::to_string(text.size()) + " bytes long; at most " +
               std::to_string(max_bytes) + " are allowed";
    }
    if (!is_valid_utf8(text)) return std::string(what) + " is not valid UTF-8";
    unsigned char previous = 0;
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (c == '/' || c == '+' || c == '#') {
            return std::string(what) + " contains '" + c + "', which MQTT topics reserve";
        }
        if (byte == 0) return std::string(what) + " contains a NUL character";
        if (is_control(byte)) return std::string(what) + " contains a control character";
        // C1 controls U+0080..U+009F are C2 80..C2 9F; brokers such as Mosquitto refuse them.
        if (previous == 0xC2 && byte <= 0x9F) {
            return std::string(what) + " contains a control character";
        }
        previous = byte;
    }
    return std::nullopt;
}

}  // namespace

bool is_valid_utf8(std::string_view text) {
    const auto* bytes = reinterpret_cast<const std::uint8_t*>(text.data());
    const std::size_t size = text.size();
    std::size_t i = 0;
    while (i < size) {
        const std::uint8_t lead = bytes[i];
        const int length = sequence_length(lead);
        if (length == 0 || i + static_cast<std::size_t>(length) > size) return false;
        for (int k = 1; k < length; ++k) {
            if (!is_continuation(bytes[i + static_cast<std::size_t>(k)])) return false;
        }
        if (length >= 3) {
            const std::uint8_t second = bytes[i + 1];
            // Overlong forms, UTF-16 surrogates and code points above U+10FFFF.
            if (lead == 0xE0 && second < 0xA0) return false;
            if (lead == 0xED && second > 0x9F) return false;
            if (lead == 0xF0 && second < 0x90) return false;
            if (lead == 0xF4 && second > 0x8F) return false;
        }
        i += static_cast<std::size_t>(length);
    }
    return true;
}

std::optional<std::string> check_payload(std::string_view payload) {
    if (payload.empty()) return std::string("payload is empty");
    if (payload.size() > kMaxPayloadBytes) {
        return "payload is " + std::to_string(payload.size()) + " bytes long; at most " +
               std::to_string(kMaxPayloadBytes) + " are allowed";
    }
    if (!is_valid_utf8(payload)) return std::string("payload is not valid UTF-8");
    return std::nullopt;
}

std::optional<std::string> check_user_id(std::string_view user_id) {
    if (auto why = check_topic_level(user_id, "user ID", kMaxUserIdBytes)) return why;
    // The user ID is the first level of the device's session-ID topic: a topic that starts
    // with '$' is the broker's own ($SYS); brokers refuse or hide it and wildcards skip it.
    if (user_id.front() == '$') {
        return std::string(
            "user ID starts with '$', which MQTT reserves for the broker's own "
            "topics ($SYS)");
    }
    // Blanks around an ID are invisible in every list and almost always a typing mistake:
    // `12345 ` would be another student than `12345`.
    if (user_id.front() == ' ' || user_id.back() == ' ') {
        return std::string("user ID starts or ends with a blank");
    }
    return std::nullopt;
}

std::optional<std::string> check_session_id(std::string_view session_id) {
    return check_topic_level(session_id, "session ID", kMaxPayloadBytes);
}

std::optional<std::string> check_command_name(std::string_view command) {
    return check_topic_level(command, "command", kMaxPayloadBytes);
}

std::string printable(std::string_view text, std::size_t max_bytes) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    out.reserve(text.size() < max_bytes ? text.size() : max_bytes);
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (out.size() >= max_bytes) {
            out += "...(" + std::to_string(text.size()) + " bytes)";
            break;
        }
        const auto c = static_cast<unsigned char>(text[i]);
        if (c >= 0x20 && c < 0x7F && c != '\\') {
            out += static_cast<char>(c);
        } else {
            out += "\\x";
            out += kHex[c >> 4U];
            out += kHex[c & 0x0FU];
        }
    }
    return out;
}

}  // namespace cmdlink::core
