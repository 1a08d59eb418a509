#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "ledger/ledger_rows.hpp"

namespace cmdlink::ledger {

// `2026-11-24T16:20:43.123456Z`: how `results` prints ledger times.
std::string format_utc(WallMicros at);

// A UTC date or date and time: `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM` or `YYYY-MM-DDTHH:MM:SS`,
// with `T` or one space between date and time and an optional trailing `Z`. Nothing for any
// other text, or for a date that does not exist.
std::optional<WallMicros> parse_utc(std::string_view text);

}  // namespace cmdlink::ledger
