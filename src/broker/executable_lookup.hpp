#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cmdlink::broker {

// Where `name` would run from: `name` itself when it contains a slash, else the first
// executable regular file called `name` in `$PATH`, then in `fallback_directories`.
std::optional<std::filesystem::path> find_executable(
    std::string_view name, const std::vector<std::string>& fallback_directories);

}  // namespace cmdlink::broker
