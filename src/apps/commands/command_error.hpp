#pragma once

#include "apps/output/console.hpp"
#include "core/result.hpp"

namespace cmdlink::apps {

// Ends a command on `error`: logs it, emits it as a JSON `error` event (with the kind as its
// reason: usage, connection or system) and returns the exit code its kind maps to.
int report_failure(Console& console, const core::Error& error);

}  // namespace cmdlink::apps
