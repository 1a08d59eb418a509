#include "ledger/wall_time.hpp"

#include <charconv>
#include <chrono>
#include <cstdio>

namespace cmdlink::ledger {
namespace {

std::optional<int> digits(std::string_view text, std::size_t at, std::size_t count) {
    if (at + count > text.size()) return std::nullopt;
    int value = 0;
    for (std::size_t i = at; i < at + count; ++i) {
        if (text[i] < '0' || text[i] > '9') return std::nullopt;
        value = value * 10 + (text[i] - '0');
    }
    return value;
}

}  // namespace

std::string format_utc(WallMicros at) {
    using namespace std::chrono;
    const sys_time<microseconds> time{microseconds{at}};
    const auto day = floor<days>(time);
    const year_month_day date{day};
    const hh_mm_ss clock{time - day};
    char text[40];
    std::snprintf(
        text, sizeof text, "%04d-%02u-%02uT%02d:%02d:%02d.%06dZ", static_cast<int>(date.year()),
        static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
        static_cast<int>(clock.hours().count()), static_cast<int>(clock.minutes().count()),
        static_cast<int>(clock.seconds().count()), static_cast<int>(clock.subseconds().count()));
    return text;
}

std::optional<WallMicros> parse_utc(std::string_view text) {
    using namespace std::chrono;
    if (!text.empty() && text.back() == 'Z') text.remove_suffix(1);
    if (text.size() != 10 && text.size() != 16 && text.size() != 19) return std::nullopt;
    const auto y = digits(text, 0, 4);
    const auto m = digits(text, 5, 2);
    const auto d = digits(text, 8, 2);
    if (!y || !m || !d || text[4] != '-' || text[7] != '-') return std::nullopt;
    const year_month_day date{year{*y}, month{static_cast<unsigned>(*m)},
                              day{static_cast<unsigned>(*d)}};
    if (!date.ok()) return std::nullopt;
    int hour = 0;
    int minute = 0;
    int second = 0;
    if (text.size() > 10) {
        const auto h = digits(text, 11, 2);
        const auto min = digits(text, 14, 2);
        if ((text[10] != 'T' && text[10] != ' ') || text[13] != ':' || !h || !min) {
            return std::nullopt;
        }
        hour = *h;
        minute = *min;
        if (text.size() == 19) {
            const auto s = digits(text, 17, 2);
            if (text[16] != ':' || !s) return std::nullopt;
            second = *s;
        }
    }
    if (hour > 23 || minute > 59 || second > 59) return std::nullopt;
    const auto at = sys_days{date} + hours{hour} + minutes{minute} + seconds{second};
    return duration_cast<microseconds>(at.time_since_epoch()).count();
}

}  // namespace cmdlink::ledger
