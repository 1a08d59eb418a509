#include <CLI/CLI.hpp>
#include <functional>
#include <vector>

#include "apps/commands/bench_command.hpp"
#include "apps/commands/broker_config_command.hpp"
#include "apps/commands/client_command.hpp"
#include "apps/commands/demo_command.hpp"
#include "apps/commands/exit_codes.hpp"
#include "apps/commands/results_command.hpp"
#include "apps/commands/server_command.hpp"

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
        const int code = app.exit(error);
        return code == 0 ? 0 : cmdlink::apps::kExitUsage;
    }
    for (const auto& run : commands) {
        if (const int code = run(); code >= 0) return code;
    }
    return cmdlink::apps::kExitUsage;
}
