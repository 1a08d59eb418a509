// The server's default config file location, and the example config packaging/ ships: every
// key in it is a flag `cmdlink server` takes, with a value it accepts.
#include <gtest/gtest.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "apps/commands/config_flag.hpp"
#include "apps/commands/server_command.hpp"

namespace cmdlink::apps {
namespace {

TEST(ServerConfigPath, IsServerTomlInTheServiceConfigurationDirectory) {
    EXPECT_EQ(server_config_path("/etc/cmdlink"),
              std::filesystem::path("/etc/cmdlink/server.toml"));
    EXPECT_EQ(server_config_path("/srv/a:/srv/b"), std::filesystem::path("/srv/a/server.toml"));
}

TEST(ServerConfigPath, IsEtcCmdlinkWithoutAnAbsoluteConfigurationDirectory) {
    EXPECT_EQ(server_config_path(nullptr), std::filesystem::path("/etc/cmdlink/server.toml"));
    EXPECT_EQ(server_config_path(""), std::filesystem::path("/etc/cmdlink/server.toml"));
    EXPECT_EQ(server_config_path("relative"), std::filesystem::path("/etc/cmdlink/server.toml"));
}

TEST(ServerConfigExample, EveryKeyIsAServerFlagWithAValueItTakes) {
    CLI::App app("cmdlink");
    // The runner owns the flags the options write into: it must outlive the parse.
    const auto run_server = add_server_command(app);
    std::vector<std::string> arguments = {"server"};
    app.parse(arguments);
    CLI::App* server = app.get_subcommand("server");
    const std::filesystem::path example =
        std::filesystem::path(CMDLINK_SOURCE_DIR) / "packaging" / "server.toml.example";
    const core::Status applied = apply_config_file(*server, example);
    EXPECT_TRUE(applied) << applied.error();
    EXPECT_EQ(server->get_option("--ledger")->as<std::string>(), "/var/lib/cmdlink/cmdlink.db");
    EXPECT_EQ(server->get_option("--log-file")->as<std::string>(), "/var/log/cmdlink/server.log");
}

}  // namespace
}  // namespace cmdlink::apps
