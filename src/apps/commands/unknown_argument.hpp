#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>

namespace cmdlink::apps {

// After a failed parse, the first argument CLI11 could place nowhere, as a user reads it:
// "unknown option --userid (did you mean --user-id?)", "unknown command clinet (did you
// mean client?)". CLI11 reports a missing required flag before an unknown one; a mistyped
// flag is the likelier cause, so main() asks this first. Nothing when every argument was
// placed (the error is then CLI11's own).
std::optional<std::string> describe_unknown_argument(const CLI::App& app);

}  // namespace cmdlink::apps
