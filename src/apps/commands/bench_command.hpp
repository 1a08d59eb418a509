#pragma once

#include <CLI/CLI.hpp>
#include <functional>

namespace cmdlink::apps {

// `cmdlink bench`: many client sessions from one process, against a server and a broker.
std::function<int()> add_bench_command(CLI::App& app);

}  // namespace cmdlink::apps
