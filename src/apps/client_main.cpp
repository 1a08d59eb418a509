#include <CLI/CLI.hpp>

#include "apps/cli/bash_completion.hpp"
#include "apps/cli/command_line.hpp"
#include "apps/commands/client_command.hpp"

// The lean build (CMDLINK_CLIENT_ONLY): the device's side alone, for a Raspberry Pi or a
// student's laptop, without SQLite, the server, the bench or the broker tools.
int main(int argc, char** argv) {
    CLI::App app{"cmdlink: the MQTT login-and-command exchange (the device's client)"};
    cmdlink::apps::describe_command_line(app);
    const cmdlink::apps::CommandRunners commands = {
        cmdlink::apps::add_client_command(app),
        cmdlink::apps::add_completion_command(app),
    };
    return cmdlink::apps::run_command_line(app, commands, argc, argv);
}
