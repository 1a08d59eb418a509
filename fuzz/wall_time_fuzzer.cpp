// parse_utc, which reads `results --since`: it accepts exactly the dates and times of its
// grammar that exist (checked against a calendar written here), and format_utc prints back
// the instant it read.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "fuzz_support.hpp"
#include "ledger/wall_time.hpp"

namespace {

using cmdlink::fuzz::require;

bool is_digits(std::string_view text) {
    if (text.empty()) return false;
    for (const char c : text) {
        if (c < '0' || c > '9') return false;
    }
    return true;
}

int number(std::string_view text) {
    int value = 0;
    for (const char c : text) value = value * 10 + (c - '0');
    return value;
}

int days_in_month(int year, int month) {
    constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return month == 2 && leap ? 29 : kDays[month - 1];
}

// The documented grammar: YYYY-MM-DD, then optionally `T` or a space and HH:MM[:SS], then
// optionally `Z`; the date must exist and the time be on a 24-hour clock.
bool reference_accepts(std::string_view text) {
    if (text.ends_with('Z')) text.remove_suffix(1);
    if (text.size() != 10 && text.size() != 16 && text.size() != 19) return false;
    if (!is_digits(text.substr(0, 4)) || text[4] != '-' || !is_digits(text.substr(5, 2)) ||
        text[7] != '-' || !is_digits(text.substr(8, 2))) {
        return false;
    }
    const int year = number(text.substr(0, 4));
    const int month = number(text.substr(5, 2));
    const int day = number(text.substr(8, 2));
    if (month < 1 || month > 12 || day < 1 || day > days_in_month(year, month)) return false;
    if (text.size() == 10) return true;
    if ((text[10] != 'T' && text[10] != ' ') || !is_digits(text.substr(11, 2)) || text[13] != ':' ||
        !is_digits(text.substr(14, 2))) {
        return false;
    }
    if (number(text.substr(11, 2)) > 23 || number(text.substr(14, 2)) > 59) return false;
    if (text.size() == 16) return true;
    return text[16] == ':' && is_digits(text.substr(17, 2)) && number(text.substr(17, 2)) <= 59;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    namespace ledger = cmdlink::ledger;
    const std::string_view text = cmdlink::fuzz::as_text(data, size);
    const auto parsed = ledger::parse_utc(text);
    require(parsed.has_value() == reference_accepts(text),
            "parse_utc disagrees with the reference grammar and calendar");
    if (parsed) {
        require(*parsed % 1'000'000 == 0, "a time without fractions parsed with some");
        const std::string printed = ledger::format_utc(*parsed);
        std::string_view plain = text;
        if (plain.ends_with('Z')) plain.remove_suffix(1);
        std::string expected(plain);
        if (expected.size() > 10) expected[10] = 'T';
        const std::string_view canonical = "0000-00-00T00:00:00";
        expected += canonical.substr(expected.size());
        require(printed == expected + ".000000Z", "format_utc prints another instant");
    }

    // Any instant of years 0000..9999, printed and read back to the second.
    if (size >= 8) {
        std::uint64_t bits = 0;
        for (std::size_t i = 0; i < 8; ++i) bits = (bits << 8U) | data[i];
        constexpr std::int64_t kFirst = -62'167'219'200'000'000;  // 0000-01-01T00:00:00Z
        constexpr std::int64_t kSpan = std::int64_t{3'652'425} * 86'400 * 1'000'000;  // 10000 years
        const std::int64_t at =
            kFirst + static_cast<std::int64_t>(bits % static_cast<std::uint64_t>(kSpan));
        const std::string printed = ledger::format_utc(at);
        const auto back = ledger::parse_utc(printed.substr(0, 19));
        const std::int64_t whole = at - (((at % 1'000'000) + 1'000'000) % 1'000'000);
        require(back.has_value() && *back == whole, "a printed instant reads back differently");
    }
    return 0;
}
