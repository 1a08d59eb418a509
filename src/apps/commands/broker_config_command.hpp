#pragma once

#include <CLI/CLI.hpp>
#include <functional>

namespace cmdlink::apps {

// `cmdlink broker-config`: a Mosquitto setup that isolates the students of a roster.
// The returned function runs the command if it was chosen (its exit code), else returns -1.
std::function<int()> add_broker_config_command(CLI::App& app);

}  // namespace cmdlink::apps
