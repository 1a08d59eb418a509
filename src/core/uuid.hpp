#pragma once

#include <string>

#include "core/random_source.hpp"

namespace cmdlink::core {

// An RFC 4122 version 4 UUID in its canonical 36-character form.
std::string make_uuid_v4(RandomSource& random);
bool is_uuid_v4(std::string_view text);

}  // namespace cmdlink::core
