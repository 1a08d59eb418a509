#include "core/uuid.hpp"

#include <array>
#include <cstdint>
#include <string_view>

namespace cmdlink::core {
namespace {
constexpr std::string_view kHexDigits = "0123456789abcdef";
constexpr std::array<std::size_t, 4> kDashes = {8, 13, 18, 23};
}  // namespace

std::string make_uuid_v4(RandomSource& random) {
    std::array<std::uint8_t, 16> bytes{};
    for (std::size_t half = 0; half < 2; ++half) {
        std::uint64_t bits = random.next_u64();
        for (std::size_t i = 0; i < 8; ++i) {
            bytes[half * 8 + i] = static_cast<std::uint8_t>(bits & 0xFFU);
            bits >>= 8U;
        }
    }
    bytes[6] = static_cast<std::uint8_t>((bytes[6] & 0x0FU) | 0x40U);  // version 4
    bytes[8] = static_cast<std::uint8_t>((bytes[8] & 0x3FU) | 0x80U);  // RFC 4122 variant
    std::string text;
    text.reserve(36);
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) text += '-';
        text += kHexDigits[bytes[i] >> 4U];
        text += kHexDigits[bytes[i] & 0x0FU];
    }
    return text;
}

bool is_uuid_v4(std::string_view text) {
    if (text.size() != 36) return false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const bool dash_here =
            i == kDashes[0] || i == kDashes[1] || i == kDashes[2] || i == kDashes[3];
        if (dash_here != (text[i] == '-')) return false;
        if (!dash_here && kHexDigits.find(text[i]) == std::string_view::npos) return false;
    }
    const char variant = text[19];
    return text[14] == '4' &&
           (variant == '8' || variant == '9' || variant == 'a' || variant == 'b');
}

}  // namespace cmdlink::core
