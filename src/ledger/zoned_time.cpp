#include "ledger/zoned_time.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <optional>

#include "ledger/wall_time.hpp"

namespace cmdlink::ledger {
namespace {

constexpr WallMicros kMicrosPerSecond = 1'000'000;

std::filesystem::path zoneinfo_directory() {
    const char* directory = std::getenv("TZDIR");
    return directory != nullptr && *directory != '\0' ? directory : "/usr/share/zoneinfo";
}

bool is_zone_name(std::string_view name) {
    if (name.empty() || name.front() == '/' || name.find("..") != std::string_view::npos) {
        return false;
    }
    for (const char c : name) {
        const bool allowed = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                             (c >= '0' && c <= '9') || c == '/' || c == '_' || c == '-' || c == '+';
        if (!allowed) return false;
    }
    return true;
}

// Compiled zone files begin with the magic `TZif` (RFC 8536).
bool is_zone_file(const std::filesystem::path& path) {
    std::ifstream file(path, std::ios::binary);
    char magic[4] = {};
    return file.read(magic, sizeof magic) && std::string_view(magic, sizeof magic) == "TZif";
}

std::optional<int> two_digits(std::string_view text) {
    if (text.size() != 2 || text[0] < '0' || text[0] > '9' || text[1] < '0' || text[1] > '9') {
        return std::nullopt;
    }
    return (text[0] - '0') * 10 + (text[1] - '0');
}

// `+HH:MM`, `+HHMM` or `+HH` (or `-`): seconds east of UTC.
std::optional<long> offset_seconds(std::string_view suffix) {
    if (suffix.empty() || (suffix[0] != '+' && suffix[0] != '-')) return std::nullopt;
    const long sign = suffix[0] == '-' ? -1 : 1;
    suffix.remove_prefix(1);
    std::optional<int> hours;
    std::optional<int> minutes = 0;
    std::optional<int> seconds = 0;
    if (suffix.size() == 8 && suffix[2] == ':' && suffix[5] == ':') {
        // Only as format_local prints a local mean time's offset (Berlin's was +00:53:28).
        hours = two_digits(suffix.substr(0, 2));
        minutes = two_digits(suffix.substr(3, 2));
        seconds = two_digits(suffix.substr(6));
    } else if (suffix.size() == 2) {
        hours = two_digits(suffix);
    } else if (suffix.size() == 4) {
        hours = two_digits(suffix.substr(0, 2));
        minutes = two_digits(suffix.substr(2));
    } else if (suffix.size() == 5 && suffix[2] == ':') {
        hours = two_digits(suffix.substr(0, 2));
        minutes = two_digits(suffix.substr(3));
    }
    if (!hours || !minutes || !seconds || *hours > 23 || *minutes > 59 || *seconds > 59) {
        return std::nullopt;
    }
    return sign * (*hours * 3600L + *minutes * 60L + *seconds);
}

// Where the date and time end and a zone suffix may begin.
std::size_t civil_length(std::string_view text) {
    if (text.size() <= 10 || (text[10] != 'T' && text[10] != ' ')) {
        return std::min<std::size_t>(text.size(), 10);
    }
    // Never beyond the text: a cut-off time ("2026-11-24T08") is the date-time parser's to
    // refuse.
    if (text.size() > 16 && text[16] == ':') return std::min<std::size_t>(text.size(), 19);
    return std::min<std::size_t>(text.size(), 16);
}

// The instant when the local wall clock shows `wanted` with this daylight saving flag, if
// it ever does.
std::optional<std::time_t> local_instant(const std::tm& wanted, int daylight_saving) {
    std::tm local = wanted;
    local.tm_isdst = daylight_saving;
    const std::time_t at = std::mktime(&local);
    std::tm shown{};
    if (localtime_r(&at, &shown) == nullptr) return std::nullopt;
    if (shown.tm_isdst != daylight_saving || shown.tm_year != wanted.tm_year ||
        shown.tm_mon != wanted.tm_mon || shown.tm_mday != wanted.tm_mday ||
        shown.tm_hour != wanted.tm_hour || shown.tm_min != wanted.tm_min ||
        shown.tm_sec != wanted.tm_sec) {
        return std::nullopt;
    }
    return at;
}

core::Error bad_time(std::string_view text, std::string_view why = {}) {
    std::string message = "'" + std::string(text) + "' is not a time";
    if (!why.empty()) message += " (" + std::string(why) + ")";
    return core::Error{message + "; use " + std::string(kTimeForms)};
}

}  // namespace

core::Status use_time_zone(const std::string& name) {
    if (!is_zone_name(name) || !is_zone_file(zoneinfo_directory() / name)) {
        return core::Error{"'" + name + "' is not a time zone of this system (" +
                           zoneinfo_directory().string() +
                           "); use an IANA name such as Europe/Berlin or UTC"};
    }
    if (setenv("TZ", name.c_str(), 1) != 0) {
        return core::Error{"cannot set TZ=" + name};
    }
    tzset();
    return core::Ok{};
}

std::string format_local(WallMicros at) {
    // Floor division: a time before 1970 still names the second it falls in.
    const WallMicros seconds = at / kMicrosPerSecond - (at % kMicrosPerSecond < 0 ? 1 : 0);
    const auto whole = static_cast<std::time_t>(seconds);
    std::tm local{};
    if (localtime_r(&whole, &local) == nullptr) return format_utc(at);
    const long offset = local.tm_gmtoff;
    const long magnitude = offset < 0 ? -offset : offset;
    char text[128];  // room for any int the format could print: never truncated
    std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d%c%02ld:%02ld",
                  local.tm_year + 1900, local.tm_mon + 1, local.tm_mday, local.tm_hour,
                  local.tm_min, local.tm_sec, offset < 0 ? '-' : '+', magnitude / 3600,
                  magnitude % 3600 / 60);
    std::string printed = text;
    // Zones began on whole minutes, but a time before then (local mean time) is not, and an
    // offset cut to the minute would name another instant.
    if (magnitude % 60 != 0) {
        std::snprintf(text, sizeof text, ":%02ld", magnitude % 60);
        printed += text;
    }
    return printed;
}

core::Result<WallMicros> parse_time(std::string_view text) {
    const std::size_t length = civil_length(text);
    const std::string_view suffix = text.substr(length);
    // As if it were UTC: the calendar's count of seconds, zone still to apply.
    const auto civil = parse_utc(text.substr(0, length));
    if (!civil) return bad_time(text);
    if (suffix == "Z" || suffix == "z") {
        if (length == 10) return bad_time(text, "a zone needs a time of day");
        return *civil;
    }
    if (!suffix.empty()) {
        const auto offset = offset_seconds(suffix);
        if (!offset) return bad_time(text, "the offset must look like +01:00, -0530 or +02");
        if (length == 10) return bad_time(text, "an offset needs a time of day");
        return *civil - *offset * kMicrosPerSecond;
    }
    const auto civil_seconds = static_cast<std::time_t>(*civil / kMicrosPerSecond);
    std::tm wanted{};
    if (gmtime_r(&civil_seconds, &wanted) == nullptr) return bad_time(text);
    // Standard and daylight saving time each may or may not have this wall time; the C
    // library's own choice for an hour that happens twice is unspecified, so take the first.
    const auto standard = local_instant(wanted, 0);
    const auto daylight = local_instant(wanted, 1);
    if (!standard && !daylight) {
        return bad_time(text, "that local time does not exist in this zone; give an offset");
    }
    const std::time_t at = standard && daylight ? std::min(*standard, *daylight)
                           : standard           ? *standard
                                                : *daylight;
    return static_cast<WallMicros>(at) * kMicrosPerSecond;
}

}  // namespace cmdlink::ledger
