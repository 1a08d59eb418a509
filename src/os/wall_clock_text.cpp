#include "os/wall_clock_text.hpp"

#include <cstdio>
#include <cstdlib>
#include <ctime>

namespace cmdlink::os {

std::string iso8601_local(std::chrono::system_clock::time_point at) {
    using namespace std::chrono;
    const auto since_epoch = at.time_since_epoch();
    auto seconds = duration_cast<std::chrono::seconds>(since_epoch);
    auto millis = duration_cast<milliseconds>(since_epoch - seconds).count();
    if (millis < 0) {  // before 1970: the remainder counts back from the next second
        millis += 1000;
        seconds -= std::chrono::seconds(1);
    }
    const std::time_t whole = static_cast<std::time_t>(seconds.count());
    std::tm local{};
    if (::localtime_r(&whole, &local) == nullptr) return {};
    char date[32];
    const std::size_t length = std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &local);
    // tm_gmtoff, not %z: %z has no colon, and ISO-8601's extended form wants one.
    const long offset = local.tm_gmtoff;
    const long magnitude = std::labs(offset);
    char text[64];
    if (magnitude % 60 != 0) {
        std::snprintf(text, sizeof text, "%.*s.%03d%c%02ld:%02ld:%02ld", static_cast<int>(length),
                      date, static_cast<int>(millis), offset < 0 ? '-' : '+', magnitude / 3600,
                      magnitude / 60 % 60, magnitude % 60);
    } else {
        std::snprintf(text, sizeof text, "%.*s.%03d%c%02ld:%02ld", static_cast<int>(length), date,
                      static_cast<int>(millis), offset < 0 ? '-' : '+', magnitude / 3600,
                      magnitude / 60 % 60);
    }
    return text;
}

}  // namespace cmdlink::os
