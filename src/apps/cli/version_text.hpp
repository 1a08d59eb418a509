#pragma once

#include <string>

namespace cmdlink::apps {

// What `cmdlink --version` prints: our version and commit, and the libmosquitto we were built
// against and run with (they differ when the shared library was upgraded under the binary).
std::string version_text();

}  // namespace cmdlink::apps
