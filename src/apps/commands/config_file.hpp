#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace cmdlink::apps {

// One `key = value` line of a config file: a flag's name without its dashes and the value(s)
// as they would follow it on the command line.
struct ConfigEntry {
    std::string key;
    std::vector<std::string> values;
    std::size_t line = 0;
};

// Reads a TOML file of flags with toml++ (Debian's libtomlplusplus-dev), so a file we read is
// a file every TOML tool reads the same way: whatever TOML refuses (unquoted text, a key set
// twice, a bad escape) is refused with its line and toml++'s words ("line 3: ..."). On top of
// TOML, a flag has no sections: a [section], a dotted key, an array of tables, a nested or
// empty list and a date or time are refused with their line too. Numbers become their decimal
// text and true/false stay words, as they would be typed after the flag. Entries come in the
// order the file has them.
core::Result<std::vector<ConfigEntry>> parse_config_text(std::string_view text);

}  // namespace cmdlink::apps
