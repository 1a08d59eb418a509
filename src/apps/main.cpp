#include <CLI/CLI.hpp>
#include <functional>
#include <iostream>
#include <string_view>
#include <vector>

#include "apps/commands/bench_command.hpp"
#include "apps/commands/broker_config_command.hpp"
#include "apps/commands/client_command.hpp"
#include "apps/commands/demo_command.hpp"
#include "apps/commands/exit_codes.hpp"
#include "apps/commands/results_command.hpp"
#include "apps/commands/server_command.hpp"
#include "apps/commands/unknown_argument.hpp"

int main(int argc, char** argv) {
    CLI::App app{"cmdlink: the MQTT login-and-command exchange (device, server, demo, bench)"};
    app.require_subcommand(1);
    app.footer(cmdlink::apps::kExitCodeHelp);
    app.set_version_flag("--version", "cmdlink 0.1.0");
    const std::vector<std::function<int()>> commands = {
        cmdlink::apps::add_client_command(app),  cmdlink::apps::add_server_command(app),
        cmdlink::apps::add_demo_command(app),    cmdlink::apps::add_bench_command(app),
        cmdlink::apps::add_results_command(app), cmdlink::apps::add_broker_config_command(app),
    };
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& error) {
        // A mistyped flag or command explains the other errors (a "required" flag that was
        // mistyped, a value taken for a command), so it is named first.
        if (error.get_exit_code() != 0) {
            if (auto unknown = cmdlink::apps::describe_unknown_argument(app)) {
                std::cerr << *unknown << "\nRun with --help for more information.\n";
                return cmdlink::apps::kExitUsage;
            }
            // `client -h` alone: the habit of tools whose -h is help.
            if (dynamic_cast<const CLI::ArgumentMismatch*>(&error) != nullptr &&
                std::string_view(error.what()).substr(0, 7) == "--host:") {
                std::cerr << error.what()
                          << " (-h is the broker host, as in mosquitto_sub; help is --help)\n";
                return cmdlink::apps::kExitUsage;
            }
        }
        const int code = app.exit(error);
        return code == 0 ? 0 : cmdlink::apps::kExitUsage;
    }
    for (const auto& run : commands) {
        if (const int code = run(); code >= 0) return code;
    }
    return cmdlink::apps::kExitUsage;
}
