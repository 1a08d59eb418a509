#include <CLI/CLI.hpp>

#include "apps/cli/bash_completion.hpp"
#include "apps/cli/command_line.hpp"
#include "apps/commands/bench_command.hpp"
#include "apps/commands/broker_config_command.hpp"
#include "apps/commands/client_command.hpp"
#include "apps/commands/demo_command.hpp"
#include "apps/commands/results_command.hpp"
#include "apps/commands/server_command.hpp"

int main(int argc, char** argv) {
    CLI::App app{"cmdlink: the MQTT login-and-command exchange (device, server, demo, bench)"};
    cmdlink::apps::describe_command_line(app);
    const cmdlink::apps::CommandRunners commands = {
        cmdlink::apps::add_client_command(app),     cmdlink::apps::add_server_command(app),
        cmdlink::apps::add_demo_command(app),       cmdlink::apps::add_bench_command(app),
        cmdlink::apps::add_results_command(app),    cmdlink::apps::add_broker_config_command(app),
        cmdlink::apps::add_completion_command(app),
    };
    return cmdlink::apps::run_command_line(app, commands, argc, argv);
}
