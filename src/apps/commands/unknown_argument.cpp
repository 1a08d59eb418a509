#include "apps/commands/unknown_argument.hpp"

#include <string_view>
#include <vector>

#include "apps/commands/did_you_mean.hpp"

namespace cmdlink::apps {
namespace {

std::vector<std::string> option_names(const CLI::App& app) {
    std::vector<std::string> names;
    for (const CLI::Option* option : app.get_options()) {
        for (const std::string& name : option->get_lnames()) names.push_back("--" + name);
        for (const std::string& name : option->get_snames()) names.push_back("-" + name);
    }
    return names;
}

std::vector<std::string> command_names(const CLI::App& app) {
    std::vector<std::string> names;
    for (const CLI::App* command : app.get_subcommands([](const CLI::App*) { return true; })) {
        if (!command->get_name().empty()) names.push_back(command->get_name());
    }
    return names;
}

std::string with_suggestion(std::string message, std::string_view typed,
                            const std::vector<std::string>& known) {
    if (auto nearest = nearest_name(typed, known)) message += " (did you mean " + *nearest + "?)";
    return message;
}

bool is_option(const std::string& argument) {
    return argument.size() >= 2 && argument.front() == '-';
}

std::optional<std::string> describe_in(const CLI::App& app) {
    const std::vector<std::string> left_over = app.remaining(false);
    if (left_over.empty()) return std::nullopt;
    // A word where a command was due is the mistyped command, whatever follows it.
    const std::vector<std::string> commands = command_names(app);
    if (!commands.empty() && app.get_subcommands().empty() && !is_option(left_over.front())) {
        return with_suggestion("unknown command " + left_over.front(), left_over.front(), commands);
    }
    // An unknown option comes before a stray value: the value is most often its argument.
    for (const std::string& argument : left_over) {
        if (!is_option(argument)) continue;
        const std::string name = argument.substr(0, argument.find('='));
        return with_suggestion("unknown option " + name, name, option_names(app));
    }
    return "unexpected argument " + left_over.front();
}

}  // namespace

std::optional<std::string> describe_unknown_argument(const CLI::App& app) {
    const CLI::App* command = &app;
    while (command != nullptr) {
        if (auto described = describe_in(*command)) return described;
        const auto chosen = command->get_subcommands();
        command = chosen.empty() ? nullptr : chosen.front();
    }
    return std::nullopt;
}

}  // namespace cmdlink::apps
