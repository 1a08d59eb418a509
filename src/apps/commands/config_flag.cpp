#include "apps/commands/config_flag.hpp"

#include <set>
#include <system_error>
#include <utility>
#include <vector>

#include "apps/commands/config_file.hpp"
#include "apps/commands/did_you_mean.hpp"
#include "os/text_file.hpp"

namespace cmdlink::apps {
namespace {

constexpr std::string_view kConfigOption = "config";

// The options a config file may set: every long name but --help and --config.
bool settable(const CLI::App& command, const CLI::Option* option) {
    return option != nullptr && option != command.get_help_ptr() &&
           !option->check_lname(std::string(kConfigOption)) && !option->get_lnames().empty();
}

std::vector<std::string> settable_names(const CLI::App& command) {
    std::vector<std::string> names;
    for (const CLI::Option* option : command.get_options()) {
        if (!settable(command, option)) continue;
        for (const std::string& name : option->get_lnames()) names.push_back(name);
    }
    return names;
}

// The options the command line gave, and those they exclude (--host and -L/--url): the
// config file's values for them give way.
std::set<const CLI::Option*> set_by_command_line(const CLI::App& command) {
    std::set<const CLI::Option*> given;
    for (const CLI::Option* option : command.get_options()) {
        if (option->count() == 0) continue;
        given.insert(option);
        for (const CLI::Option* excluded : option->get_excludes()) given.insert(excluded);
    }
    return given;
}

}  // namespace

void add_config_flag(CLI::App& command, ConfigFlag& flag) {
    std::string help =
        "TOML file of flags by their long names (host = \"127.0.0.1\", port = 1883, "
        "user-id = \"12345\"); flags on the command line win";
    if (flag.default_path) {
        help += " (default: " + flag.default_path->string() + " when it exists)";
    }
    command.add_option("--" + std::string(kConfigOption), flag.path, help);
}

std::optional<std::filesystem::path> user_config_path(const char* xdg_config_home, const char* home,
                                                      std::string_view file_name) {
    std::filesystem::path directory;
    if (xdg_config_home != nullptr && xdg_config_home[0] == '/') {
        directory = xdg_config_home;
    } else if (home != nullptr && home[0] == '/') {
        directory = std::filesystem::path(home) / ".config";
    } else {
        return std::nullopt;
    }
    return directory / "cmdlink" / file_name;
}

std::filesystem::path server_config_path(const char* configuration_directory) {
    constexpr std::string_view kFileName = "server.toml";
    if (configuration_directory != nullptr && configuration_directory[0] == '/') {
        const std::string_view directories(configuration_directory);
        return std::filesystem::path(directories.substr(0, directories.find(':'))) / kFileName;
    }
    return std::filesystem::path("/etc/cmdlink") / kFileName;
}

core::Status apply_config_file(CLI::App& command, const std::filesystem::path& path) {
    const std::string where = "config file " + path.string();
    std::error_code error;
    if (!std::filesystem::exists(path, error)) {
        return core::Error{"the " + where + " does not exist"};
    }
    auto text = os::read_whole_file(path, "the config file");
    if (!text) return text.failure();
    auto entries = parse_config_text(text.value());
    if (!entries) return core::Error{where + ", " + entries.error()};
    const std::set<const CLI::Option*> command_line = set_by_command_line(command);
    for (const ConfigEntry& entry : entries.value()) {
        const auto at_line = [&](const std::string& message) {
            std::string located = where + ", line " + std::to_string(entry.line) + ": ";
            located += message;
            return core::Error{std::move(located)};
        };
        CLI::Option* option = command.get_option_no_throw("--" + entry.key);
        if (!settable(command, option)) {
            std::string message = "unknown key " + entry.key;
            if (auto nearest = nearest_name(entry.key, settable_names(command))) {
                message += " (did you mean " + *nearest + "?)";
            }
            return at_line(message + "; keys are the long names of the flags in --help");
        }
        if (command_line.count(option) > 0) continue;
        for (const CLI::Option* excluded : option->get_excludes()) {
            if (excluded->count() > 0) {
                const std::string other = excluded->get_lnames().empty()
                                              ? excluded->get_name()
                                              : excluded->get_lnames().front();
                return at_line(entry.key + " and " + other + " exclude each other");
            }
        }
        try {
            option->add_result(entry.values);
            option->run_callback();
        } catch (const CLI::Error& refused) {
            return at_line(entry.key + ": " + refused.what());
        }
    }
    return core::Ok{};
}

core::Status apply_config_flag(CLI::App& command, const ConfigFlag& flag) {
    if (!flag.path.empty()) return apply_config_file(command, flag.path);
    if (!flag.default_path) return core::Ok{};
    std::error_code error;
    const bool present = std::filesystem::exists(*flag.default_path, error);
    if (error) {
        return core::Error{"cannot look for the config file " + flag.default_path->string() + ": " +
                           error.message()};
    }
    return present ? apply_config_file(command, *flag.default_path) : core::Status(core::Ok{});
}

}  // namespace cmdlink::apps
