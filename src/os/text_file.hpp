#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace cmdlink::os {

// The whole file, its bytes as they are. `what` names it in the error, which a user can act
// on: "cannot read the roster students.csv" for what = "the roster".
core::Result<std::string> read_whole_file(const std::filesystem::path& path, std::string_view what);

// Creates or truncates `path` (mode 0600: it may hold an ACL or other private text).
core::Result<bool> write_text_file(const std::filesystem::path& path, std::string_view text);

// Writes `text` to a new file next to `path` with `mode`, then renames it over `path`: a
// reader sees the old file or the whole new one, never a part.
core::Result<bool> write_file_atomically(const std::filesystem::path& path, std::string_view text,
                                         mode_t mode);

// The file's size, or 0 when it does not exist yet.
std::uintmax_t file_size_or_zero(const std::filesystem::path& path);

// What the file holds from byte `offset` on, at most its last `max_bytes`; empty when it
// cannot be read (these are diagnostics, which must never fail themselves).
std::string read_text_from(const std::filesystem::path& path, std::uintmax_t offset,
                           std::size_t max_bytes = std::size_t{64} * 1024);

}  // namespace cmdlink::os
