#pragma once

#include <CLI/CLI.hpp>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace cmdlink::apps {

// `--config FILE`: flags by their long names, one `name = value` a line (config_file.hpp),
// each used only where the command line did not give that flag. `default_path`, when there
// is one, is read when no --config is given and the file exists.
struct ConfigFlag {
    std::string path;
    std::optional<std::filesystem::path> default_path;
};

void add_config_flag(CLI::App& command, ConfigFlag& flag);

// Where a user's own defaults for `file_name` live: $XDG_CONFIG_HOME/cmdlink/, else
// $HOME/.config/cmdlink/ (the XDG base directory rule: a relative XDG_CONFIG_HOME is
// ignored); nothing without either.
std::optional<std::filesystem::path> user_config_path(const char* xdg_config_home, const char* home,
                                                      std::string_view file_name);

// Where the server's defaults live: server.toml in $CONFIGURATION_DIRECTORY (what systemd's
// ConfigurationDirectory=cmdlink sets, the first of a colon list; a relative one is ignored),
// else /etc/cmdlink/server.toml.
std::filesystem::path server_config_path(const char* configuration_directory);

// Reads the file --config names (or the default one) into the options of `command` the
// command line left unset. Call it after CLI11's parse. An unreadable or malformed file, an
// unknown key or a bad value is an error naming the file, and the line when there is one.
core::Status apply_config_flag(CLI::App& command, const ConfigFlag& flag);

// The same for one file, always read.
core::Status apply_config_file(CLI::App& command, const std::filesystem::path& path);

}  // namespace cmdlink::apps
