#include "broker/roster_setup.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <string>

#include "broker/temp_directory.hpp"
#include "broker/text_file.hpp"

namespace cmdlink::broker {
namespace {

std::vector<RosterEntry> two_students() {
    return {{.username = "alice",
             .password = "alice-secret",
             .hashed = false,
             .user_id = "1001",
             .line = 2},
            {.username = "bob",
             .password = "$7$101$c2FsdHNhbHQ=$aGFzaGhhc2g=",
             .hashed = true,
             .user_id = "1002",
             .line = 3}};
}

mode_t mode_of(const std::filesystem::path& path) {
    struct stat status {};
    EXPECT_EQ(::stat(path.c_str(), &status), 0) << path;
    return status.st_mode & 0777;
}

class RosterSetup : public ::testing::Test {
  protected:
    void SetUp() override {
        auto directory = TempDirectory::create("cmdlink-roster-setup-test-");
        ASSERT_TRUE(directory.ok()) << directory.error();
        scratch_.emplace(std::move(directory.value()));
        options_.directory = scratch_->path() / "out";
        options_.server_password = "server-secret";
    }

    std::string read(const std::string& name) const {
        return read_text_from(options_.directory / name, 0);
    }

    std::optional<TempDirectory> scratch_;
    RosterSetupOptions options_;
};

TEST_F(RosterSetup, WritesPrivateFilesWithHashedPasswords) {
    auto written = write_roster_setup(two_students(), options_);
    ASSERT_TRUE(written.ok()) << written.error();
    EXPECT_EQ(mode_of(options_.directory / "passwords"), 0600U);
    EXPECT_EQ(mode_of(options_.directory / "dynamic-security.json"), 0600U);

    const std::string passwords = read("passwords");
    EXPECT_EQ(passwords.find("secret"), std::string::npos) << passwords;
    EXPECT_NE(passwords.find("alice:$7$"), std::string::npos) << passwords;
    EXPECT_NE(passwords.find("cmdlink-server:$7$"), std::string::npos) << passwords;
    EXPECT_NE(passwords.find("bob:$7$101$c2FsdHNhbHQ=$aGFzaGhhc2g=\n"), std::string::npos)
        << passwords;

    const std::string config = read("mosquitto.conf");
    for (const std::string& line :
         {std::string("listener 1883 127.0.0.1\n"), std::string("set_tcp_nodelay true\n"),
          std::string("allow_anonymous false\n"),
          "password_file " + written.value().password_file.string() + "\n",
          "plugin_opt_config_file " + written.value().dynsec_config.string() + "\n"}) {
        EXPECT_NE(config.find(line), std::string::npos) << line << " not in:\n" << config;
    }
    EXPECT_EQ(config.find("acl_file"), std::string::npos) << config;
}

TEST_F(RosterSetup, TakesPortAndBindAddress) {
    options_.port = 8883;
    options_.bind_address = "0.0.0.0";
    ASSERT_TRUE(write_roster_setup(two_students(), options_).ok());
    EXPECT_NE(read("mosquitto.conf").find("listener 8883 0.0.0.0\n"), std::string::npos);
}

TEST_F(RosterSetup, WritesNothingWhenAStudentHasTheServersName) {
    auto roster = two_students();
    roster[1].username = options_.server_user;
    auto written = write_roster_setup(roster, options_);
    ASSERT_FALSE(written.ok());
    EXPECT_NE(written.error().find("roster line 3"), std::string::npos) << written.error();
    EXPECT_FALSE(std::filesystem::exists(options_.directory));
}

}  // namespace
}  // namespace cmdlink::broker
