#include "apps/commands/config_flag.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "broker/temp_directory.hpp"
#include "os/text_file.hpp"

namespace cmdlink::apps {
namespace {

// A command with flags of each kind the commands have, parsed from a command line, then
// given a config file.
class ConfigFlagTest : public ::testing::Test {
  protected:
    ConfigFlagTest() {
        command_.set_help_flag("--help");
        command_.add_option("--user-id", user_id_);
        CLI::Option* host = command_.add_option("-h,--host", hosts_);
        command_.add_option("-L,--url", urls_)->excludes(host);
        command_.add_option("-p,--port", port_)->check(CLI::Range(1, 65535));
        command_.add_flag("--tls", tls_);
        add_config_flag(command_, config_);
    }

    void SetUp() override {
        auto directory = broker::TempDirectory::create("cmdlink-config-test-");
        ASSERT_TRUE(directory) << directory.error();
        directory_.emplace(std::move(directory.value()));
    }

    std::filesystem::path write(const std::string& name, std::string_view text) {
        const auto path = directory_->path() / name;
        auto written = os::write_text_file(path, text);
        EXPECT_TRUE(written) << written.error();
        return path;
    }

    // Parses `arguments` (a command line after the command's name), then applies the config.
    core::Status parse_and_apply(std::vector<std::string> arguments) {
        std::reverse(arguments.begin(), arguments.end());
        command_.parse(arguments);
        return apply_config_flag(command_, config_);
    }

    CLI::App command_{"test"};
    ConfigFlag config_;
    std::string user_id_;
    std::vector<std::string> hosts_;
    std::vector<std::string> urls_;
    int port_ = 0;
    bool tls_ = false;
    std::optional<broker::TempDirectory> directory_;
};

TEST_F(ConfigFlagTest, TheFileSetsTheFlagsTheCommandLineLeftOut) {
    const auto file = write(
        "client.toml", "user-id = \"12345\"\nhost = [\"a\", \"b\"]\nport = 1884\ntls = true\n");
    const auto applied = parse_and_apply({"--config", file.string()});
    ASSERT_TRUE(applied) << applied.error();
    EXPECT_EQ(user_id_, "12345");
    EXPECT_EQ(hosts_, (std::vector<std::string>{"a", "b"}));
    EXPECT_EQ(port_, 1884);
    EXPECT_TRUE(tls_);
}

TEST_F(ConfigFlagTest, TheCommandLineWins) {
    const auto file = write("client.toml", "user-id = \"12345\"\nhost = \"a\"\nport = 1884\n");
    const auto applied =
        parse_and_apply({"--config", file.string(), "-p", "1999", "-L", "mqtt://c"});
    ASSERT_TRUE(applied) << applied.error();
    EXPECT_EQ(user_id_, "12345");
    EXPECT_EQ(port_, 1999);
    EXPECT_TRUE(hosts_.empty()) << "-L on the command line excludes the file's host";
    EXPECT_EQ(urls_, std::vector<std::string>{"mqtt://c"});
}

TEST_F(ConfigFlagTest, KeysWhoseFlagsExcludeEachOtherAreRefused) {
    const auto file = write("client.toml", "host = \"a\"\nurl = \"mqtt://b\"\n");
    const auto applied = parse_and_apply({"--config", file.string()});
    ASSERT_FALSE(applied);
    EXPECT_EQ(applied.error(),
              "config file " + file.string() + ", line 2: url and host exclude each other");
}

TEST_F(ConfigFlagTest, TheDefaultFileIsReadWhenPresentAndNoConfigIsGiven) {
    config_.default_path = write("default.toml", "user-id = \"from-default\"\n");
    const auto applied = parse_and_apply({});
    ASSERT_TRUE(applied) << applied.error();
    EXPECT_EQ(user_id_, "from-default");
}

TEST_F(ConfigFlagTest, AMissingDefaultFileIsNoError) {
    config_.default_path = directory_->path() / "none.toml";
    const auto applied = parse_and_apply({"--user-id", "1"});
    EXPECT_TRUE(applied) << applied.error();
}

TEST_F(ConfigFlagTest, ConfigReplacesTheDefaultFile) {
    config_.default_path = write("default.toml", "user-id = \"from-default\"\n");
    const auto file = write("other.toml", "port = 1884\n");
    const auto applied = parse_and_apply({"--config", file.string()});
    ASSERT_TRUE(applied) << applied.error();
    EXPECT_EQ(user_id_, "");
}

TEST_F(ConfigFlagTest, AMissingConfigFileIsAnErrorNamingIt) {
    const auto missing = directory_->path() / "missing.toml";
    const auto applied = parse_and_apply({"--config", missing.string()});
    ASSERT_FALSE(applied);
    EXPECT_EQ(applied.error(), "the config file " + missing.string() + " does not exist");
}

TEST_F(ConfigFlagTest, AnUnreadableConfigFileIsAnErrorNamingIt) {
    const auto applied = parse_and_apply({"--config", directory_->path().string()});
    ASSERT_FALSE(applied);
    EXPECT_EQ(applied.error(), "cannot read the config file " + directory_->path().string());
}

TEST_F(ConfigFlagTest, AnUnknownKeyIsAnErrorNamingItAndTheNearestFlag) {
    const auto file = write("client.toml", "port = 1884\nuserid = \"1\"\n");
    const auto applied = parse_and_apply({"--config", file.string()});
    ASSERT_FALSE(applied);
    EXPECT_EQ(applied.error(), "config file " + file.string() +
                                   ", line 2: unknown key userid (did you mean user-id?); keys "
                                   "are the long names of the flags in --help");
}

TEST_F(ConfigFlagTest, NeitherHelpNorConfigIsAKey) {
    const auto file = write("client.toml", "config = \"other.toml\"\n");
    EXPECT_FALSE(parse_and_apply({"--config", file.string()}));
}

TEST_F(ConfigFlagTest, AMalformedLineIsAnErrorNamingFileAndLine) {
    const auto file = write("client.toml", "port = 1884\nhost 127.0.0.1\n");
    const auto applied = parse_and_apply({"--config", file.string()});
    ASSERT_FALSE(applied);
    // toml++ words the fault; the file and the line are ours.
    EXPECT_EQ(applied.error().rfind("config file " + file.string() + ", line 2: ", 0), 0U)
        << applied.error();
}

TEST_F(ConfigFlagTest, AValueTheFlagRefusesIsAnErrorNamingFileAndLine) {
    const auto file = write("client.toml", "\nport = 99999\n");
    const auto applied = parse_and_apply({"--config", file.string()});
    ASSERT_FALSE(applied);
    EXPECT_EQ(applied.error().rfind("config file " + file.string() + ", line 2: port: ", 0), 0U)
        << applied.error();
}

TEST(UserConfigPath, FollowsTheXdgBaseDirectoryRule) {
    EXPECT_EQ(user_config_path("/x/conf", "/home/s", "client.toml"),
              std::filesystem::path("/x/conf/cmdlink/client.toml"));
    EXPECT_EQ(user_config_path(nullptr, "/home/s", "client.toml"),
              std::filesystem::path("/home/s/.config/cmdlink/client.toml"));
    EXPECT_EQ(user_config_path("", "/home/s", "client.toml"),
              std::filesystem::path("/home/s/.config/cmdlink/client.toml"));
    EXPECT_EQ(user_config_path("relative", "/home/s", "client.toml"),
              std::filesystem::path("/home/s/.config/cmdlink/client.toml"));
    EXPECT_EQ(user_config_path(nullptr, nullptr, "client.toml"), std::nullopt);
}

}  // namespace
}  // namespace cmdlink::apps
