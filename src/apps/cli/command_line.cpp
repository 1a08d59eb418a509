#include "apps/cli/command_line.hpp"

#include <iostream>
#include <string_view>

#include "apps/cli/version_text.hpp"
#include "apps/commands/exit_codes.hpp"
#include "apps/commands/unknown_argument.hpp"

namespace cmdlink::apps {

void describe_command_line(CLI::App& app) {
    app.require_subcommand(1);
    app.footer(kExitCodeHelp);
    app.set_version_flag("--version", version_text());
}

int run_command_line(CLI::App& app, const CommandRunners& commands, int argc, char** argv) {
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& error) {
        if (error.get_exit_code() != 0) {
            if (auto unknown = describe_unknown_argument(app)) {
                std::cerr << *unknown << "\nRun with --help for more information.\n";
                return kExitUsage;
            }
            // `client -h` alone: the habit of tools whose -h is help.
            if (dynamic_cast<const CLI::ArgumentMismatch*>(&error) != nullptr &&
                std::string_view(error.what()).substr(0, 7) == "--host:") {
                std::cerr << error.what()
                          << " (-h is the broker host, as in mosquitto_sub; help is --help)\n";
                return kExitUsage;
            }
        }
        const int code = app.exit(error);
        return code == 0 ? 0 : kExitUsage;
    }
    for (const auto& run : commands) {
        if (const int code = run(); code >= 0) return code;
    }
    return kExitUsage;
}

}  // namespace cmdlink::apps
