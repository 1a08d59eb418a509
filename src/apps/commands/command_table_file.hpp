#pragma once

#include <string>

#include "core/command_table.hpp"
#include "core/result.hpp"

namespace cmdlink::apps {

// The course table when `path` is empty, else the table in that file.
core::Result<core::CommandTable> load_command_table(const std::string& path);

}  // namespace cmdlink::apps
