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

// The part of TOML a file of flags needs: `# comments`, blank lines and `key = value` lines,
// the value a "basic string" (escapes \" \\ \n \t), a 'literal string', an integer or
// decimal number, true or false, or a one-line array of those. Sections, dotted keys,
// duplicate keys and unquoted text are refused with the line number ("line 3: ..."), as
// TOML refuses them: a file we read is a file every TOML tool reads the same way.
core::Result<std::vector<ConfigEntry>> parse_config_text(std::string_view text);

}  // namespace cmdlink::apps
