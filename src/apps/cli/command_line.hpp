#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <vector>

namespace cmdlink::apps {

// Each registered command's runner: the exit code when its subcommand was chosen, else -1.
using CommandRunners = std::vector<std::function<int()>>;

// The top level shared by the full binary and the lean client: help footer, `--version`
// and one subcommand required.
void describe_command_line(CLI::App& app);

// Parses `argv` and runs the chosen command. A mistyped flag or command is named first (with
// a did-you-mean), since it explains the errors that follow from it; every usage error exits
// with kExitUsage.
int run_command_line(CLI::App& app, const CommandRunners& commands, int argc, char** argv);

}  // namespace cmdlink::apps
