#pragma once

#include <CLI/CLI.hpp>

namespace cmdlink::apps {

// Registers `cmdlink client`; the returned function runs it and gives the exit code.
std::function<int()> add_client_command(CLI::App& app);

}  // namespace cmdlink::apps
