#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <string>

namespace cmdlink::apps {

// A bash completion script for `app` as it is built, so that it names exactly the commands
// and flags this binary has (the lean client's script offers only `client`).
std::string bash_completion_script(const CLI::App& app);

// `cmdlink completion bash`: prints the script (installed as
// share/bash-completion/completions/cmdlink; `source <(cmdlink completion bash)` by hand).
std::function<int()> add_completion_command(CLI::App& app);

}  // namespace cmdlink::apps
