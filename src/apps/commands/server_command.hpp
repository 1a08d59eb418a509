#pragma once

#include <CLI/CLI.hpp>
#include <functional>

namespace cmdlink::apps {

std::function<int()> add_server_command(CLI::App& app);

}  // namespace cmdlink::apps
