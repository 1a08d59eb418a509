#pragma once

#include <string>

#include "core/random_source.hpp"

namespace cmdlink::apps {

// 24 characters from an alphabet without look-alikes (~120 bits): for accounts that
// cmdlink creates itself (the demo's, the server account of a roster setup).
std::string random_password(core::RandomSource& random);

}  // namespace cmdlink::apps
