// The text checks of core/text_checks.hpp against a reference written here from the
// definitions (RFC 3629 for UTF-8, PROTOCOL.md for user IDs, session IDs and commands), and
// the UUID check against a regular expression.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "core/protocol.hpp"
#include "core/text_checks.hpp"
#include "core/uuid.hpp"
#include "fuzz_support.hpp"

namespace {

using cmdlink::fuzz::require;

// Decodes by the arithmetic of RFC 3629: the code points, or nothing for ill-formed text.
std::optional<std::vector<std::uint32_t>> decode_utf8(std::string_view text) {
    std::vector<std::uint32_t> points;
    std::size_t i = 0;
    while (i < text.size()) {
        const auto lead = static_cast<std::uint8_t>(text[i]);
        std::size_t length = 0;
        std::uint32_t point = 0;
        std::uint32_t smallest = 0;
        if (lead < 0x80U) {
            length = 1;
            point = lead;
        } else if ((lead & 0xE0U) == 0xC0U) {
            length = 2;
            point = lead & 0x1FU;
            smallest = 0x80;
        } else if ((lead & 0xF0U) == 0xE0U) {
            length = 3;
            point = lead & 0x0FU;
            smallest = 0x800;
        } else if ((lead & 0xF8U) == 0xF0U) {
            length = 4;
            point = lead & 0x07U;
            smallest = 0x10000;
        } else {
            return std::nullopt;
        }
        if (i + length > text.size()) return std::nullopt;
        for (std::size_t k = 1; k < length; ++k) {
            const auto next = static_cast<std::uint8_t>(text[i + k]);
            if ((next & 0xC0U) != 0x80U) return std::nullopt;
            point = (point << 6U) | (next & 0x3FU);
        }
        if (length > 1 && point < smallest) return std::nullopt;      // overlong
        if (point >= 0xD800 && point <= 0xDFFF) return std::nullopt;  // a UTF-16 surrogate
        if (point > 0x10FFFF) return std::nullopt;
        points.push_back(point);
        i += length;
    }
    return points;
}

// PROTOCOL.md: nonempty, at most `max_bytes`, UTF-8, and no `/`, `+`, `#`, NUL or control
// character (Unicode's Cc: U+0000..U+001F and U+007F..U+009F).
bool reference_topic_level(std::string_view text, std::size_t max_bytes) {
    if (text.empty() || text.size() > max_bytes) return false;
    const auto points = decode_utf8(text);
    if (!points) return false;
    for (const std::uint32_t point : *points) {
        if (point == '/' || point == '+' || point == '#') return false;
        if (point < 0x20 || (point >= 0x7F && point <= 0x9F)) return false;
    }
    return true;
}

// PROTOCOL.md adds two rules for a user ID: no leading `$` (the broker's own topics) and no
// blank at either end.
bool reference_user_id(std::string_view text) {
    if (!reference_topic_level(text, cmdlink::core::kMaxUserIdBytes)) return false;
    return text.front() != '$' && text.front() != ' ' && text.back() != ' ';
}

void check_verdict(const std::optional<std::string>& refusal, bool reference, const char* what) {
    require(refusal.has_value() != reference, what);
    if (refusal) require(!refusal->empty(), "a refusal without a reason");
}

// printable() keeps printable ASCII but '\', escapes every other byte as \xHH and caps the
// length: decoded again, its output is the text, or a prefix of it and the length.
void check_printable(std::string_view text, std::size_t max_bytes) {
    const std::string out = cmdlink::core::printable(text, max_bytes);
    const std::string suffix = "...(" + std::to_string(text.size()) + " bytes)";
    require(out.size() <= max_bytes + 3 + suffix.size(), "printable: output too long");
    std::string decoded;
    std::size_t i = 0;
    const auto hex = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        return -1;
    };
    while (i < out.size()) {
        const auto c = static_cast<unsigned char>(out[i]);
        require(c >= 0x20 && c < 0x7F, "printable: a byte that is not printable ASCII");
        if (c == '\\') {
            require(i + 3 < out.size() && out[i + 1] == 'x' && hex(out[i + 2]) >= 0 &&
                        hex(out[i + 3]) >= 0,
                    "printable: a backslash that starts no \\xHH escape");
            decoded += static_cast<char>(hex(out[i + 2]) * 16 + hex(out[i + 3]));
            i += 4;
        } else {
            decoded += static_cast<char>(c);
            ++i;
        }
    }
    if (decoded == text) return;
    // Truncated: a proper prefix of the text, then the suffix, the prefix at least max_bytes
    // long as rendered.
    require(decoded.size() >= suffix.size() && decoded.ends_with(suffix),
            "printable: output is neither the text nor a truncation of it");
    const std::string_view prefix(decoded.data(), decoded.size() - suffix.size());
    require(prefix.size() < text.size() && text.starts_with(prefix),
            "printable: truncated output is not a prefix of the text");
    require(out.size() - suffix.size() >= max_bytes, "printable: truncated below max_bytes");
}

bool reference_uuid_v4(std::string_view text) {
    static const std::regex kUuidV4(
        "[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
    if (text.size() != 36) return false;
    return std::regex_match(text.begin(), text.end(), kUuidV4);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    namespace core = cmdlink::core;
    const std::string_view text = cmdlink::fuzz::as_text(data, size);
    const auto points = decode_utf8(text);
    require(core::is_valid_utf8(text) == points.has_value(),
            "is_valid_utf8 disagrees with the reference decoder");

    check_verdict(core::check_payload(text),
                  !text.empty() && text.size() <= core::kMaxPayloadBytes && points.has_value(),
                  "check_payload disagrees with the reference");
    check_verdict(core::check_user_id(text), reference_user_id(text),
                  "check_user_id disagrees with the reference");
    check_verdict(core::check_session_id(text), reference_topic_level(text, core::kMaxPayloadBytes),
                  "check_session_id disagrees with the reference");
    check_verdict(core::check_command_name(text),
                  reference_topic_level(text, core::kMaxPayloadBytes),
                  "check_command_name disagrees with the reference");

    const std::size_t max_bytes = size == 0 ? 0 : data[0];
    check_printable(text, max_bytes);
    check_printable(text, 80);

    require(core::is_uuid_v4(text) == reference_uuid_v4(text),
            "is_uuid_v4 disagrees with the regular expression");
    std::uint64_t seed = 0;
    for (std::size_t i = 0; i < size && i < 8; ++i) seed = (seed << 8U) | data[i];
    cmdlink::fuzz::SeededRandom random(seed);
    const std::string made = core::make_uuid_v4(random);
    require(reference_uuid_v4(made), "make_uuid_v4 made no UUID v4");
    require(core::is_uuid_v4(made), "is_uuid_v4 refuses what make_uuid_v4 made");
    require(!core::check_session_id(made), "a made session ID is not a valid session ID");
    return 0;
}
