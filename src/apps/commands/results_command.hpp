#pragma once

#include <CLI/CLI.hpp>
#include <functional>

namespace cmdlink::apps {

std::function<int()> add_results_command(CLI::App& app);

}  // namespace cmdlink::apps
