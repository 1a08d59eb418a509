#pragma once

#include <string>
#include <string_view>

#include "core/result.hpp"
#include "ledger/ledger_rows.hpp"

namespace cmdlink::ledger {

// The time forms a person may type (`results --since/--deadline`), for messages and help.
inline constexpr std::string_view kTimeForms =
    "YYYY-MM-DD, YYYY-MM-DDTHH:MM or YYYY-MM-DDTHH:MM:SS (T or a space between date and "
    "time), optionally followed by Z or an offset such as +01:00; without one, the time is "
    "in the local zone (or --tz)";

// Makes `name` (an IANA zone such as Europe/Berlin, found in the system's zoneinfo) the
// process's local zone, through TZ: gcc 12's libstdc++ has no std::chrono::locate_zone.
// A name the system does not know is refused, since the C library would silently use UTC.
core::Status use_time_zone(const std::string& name);

// `2026-11-24T17:20:43+01:00`: a ledger time in the local zone, with its offset (to the second,
// `+00:53:28`, for a time before the zone had a whole-minute one).
std::string format_local(WallMicros at);

// One of kTimeForms. A local time that does not exist (skipped by a daylight saving change)
// is refused; one that exists twice is taken as the first.
core::Result<WallMicros> parse_time(std::string_view text);

}  // namespace cmdlink::ledger
