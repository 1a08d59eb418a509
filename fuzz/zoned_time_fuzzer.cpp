// parse_time and format_local, which read `results --since/--deadline` and print every time
// of the grade sheet, in a zone with daylight saving (Europe/Berlin): a time with `Z` reads
// as parse_utc reads it, and whatever parse_time accepts or format_local prints reads back
// as the same instant.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_support.hpp"
#include "ledger/wall_time.hpp"
#include "ledger/zoned_time.hpp"

namespace {

using cmdlink::fuzz::require;
namespace ledger = cmdlink::ledger;

constexpr std::int64_t kMicrosPerSecond = 1'000'000;

void use_a_zone_with_daylight_saving() {
    static const bool done = [] {
        const auto zone = ledger::use_time_zone("Europe/Berlin");
        require(zone.ok(), "Europe/Berlin is not in the system's zoneinfo (install tzdata)");
        return true;
    }();
    static_cast<void>(done);
}

void check_text(std::string_view text) {
    const auto parsed = ledger::parse_time(text);
    // A date alone takes no zone in parse_time ("a zone needs a time of day").
    if (text.ends_with('Z') && text.size() > 11) {
        const auto utc = ledger::parse_utc(text);
        require(parsed.ok() == utc.has_value(), "parse_time and parse_utc disagree on a Z time");
        if (utc) require(parsed.value() == *utc, "a Z time read as another instant");
    }
    if (!parsed.ok()) {
        require(!parsed.error().empty(), "a refusal without a reason");
        return;
    }
    require(parsed.value() % kMicrosPerSecond == 0, "a time without fractions parsed with some");
    const std::string printed = ledger::format_local(parsed.value());
    const auto back = ledger::parse_time(printed);
    require(back.ok() && back.value() == parsed.value(), "a printed time reads back differently");
}

// Any instant of 1901..2100 (mktime's reach with a 64-bit time_t and then some), printed in
// the zone and read back to the second.
void check_instant(const std::uint8_t* data, std::size_t size) {
    if (size < 8) return;
    std::uint64_t bits = 0;
    for (std::size_t i = 0; i < 8; ++i) bits = (bits << 8U) | data[i];
    constexpr std::int64_t kFirst = -2'177'452'800 * kMicrosPerSecond;  // 1901-01-01T00:00:00Z
    constexpr std::int64_t kSpan = std::int64_t{73'049} * 86'400 * kMicrosPerSecond;  // 200 years
    const std::int64_t at =
        kFirst + static_cast<std::int64_t>(bits % static_cast<std::uint64_t>(kSpan));
    const auto back = ledger::parse_time(ledger::format_local(at));
    const std::int64_t whole =
        at - (((at % kMicrosPerSecond) + kMicrosPerSecond) % kMicrosPerSecond);
    require(back.ok() && back.value() == whole, "a printed instant reads back differently");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    use_a_zone_with_daylight_saving();
    check_text(cmdlink::fuzz::as_text(data, size));
    check_instant(data, size);
    return 0;
}
