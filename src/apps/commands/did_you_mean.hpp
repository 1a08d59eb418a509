#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cmdlink::apps {

// Edits (insert, delete, replace, swap two neighbours) that turn `a` into `b`: a swap counts
// once, since `clinet` for `client` is one slip of the fingers, not two.
std::size_t edit_distance(std::string_view a, std::string_view b);

// The name of `known` closest to `typed`, leading dashes aside (`--userid` against
// `--user-id`), when it is within a third of the typed name's length; nothing when none is
// that close. On a tie, the first one listed.
std::optional<std::string> nearest_name(std::string_view typed,
                                        const std::vector<std::string>& known);

}  // namespace cmdlink::apps
