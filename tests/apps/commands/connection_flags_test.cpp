#include "apps/commands/connection_flags.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

namespace cmdlink::apps {
namespace {

const ConnectionDefaults kDefaults{"default.example", "student", ""};

// The options a command line of connection flags gives, or its error.
class ConnectionFlagsTest : public ::testing::Test {
  protected:
    // A fresh command each time: CLI11 leaves the variables of a previous parse as they were.
    core::Result<net::MqttOptions> options_for(std::vector<std::string> arguments) {
        flags_ = ConnectionFlags{};
        command_ = std::make_unique<CLI::App>("test");
        add_connection_flags(*command_, flags_, kDefaults);
        std::reverse(arguments.begin(), arguments.end());
        command_->parse(arguments);
        return to_mqtt_options(flags_, kDefaults, "default-id");
    }

    std::string error_for(std::vector<std::string> arguments) {
        auto options = options_for(std::move(arguments));
        if (options) {
            ADD_FAILURE() << "accepted";
            return {};
        }
        return options.error();
    }

    std::unique_ptr<CLI::App> command_;
    ConnectionFlags flags_;
};

TEST_F(ConnectionFlagsTest, MosquittoShortFlagsSetHostPortUserClientIdKeepaliveAndVersion) {
    auto options = options_for(
        {"-h", "127.0.0.1", "-p", "1884", "-u", "me", "-i", "dev-1", "-k", "45", "-V", "mqttv5"});
    ASSERT_TRUE(options) << options.error();
    EXPECT_EQ(options.value().host, "127.0.0.1");
    EXPECT_EQ(options.value().port, 1884);
    EXPECT_EQ(options.value().username, "me");
    EXPECT_EQ(options.value().client_id, "dev-1");
    EXPECT_EQ(options.value().keepalive_s, 45);
    EXPECT_EQ(options.value().version, net::MqttVersion::kV5);
    EXPECT_FALSE(options.value().tls.enabled);
}

TEST_F(ConnectionFlagsTest, LongFlagsOfBothToolsWork) {
    auto options = options_for({"--host", "a", "--port", "1884", "--id", "x", "--protocol-version",
                                "311", "--keepalive", "10"});
    ASSERT_TRUE(options) << options.error();
    EXPECT_EQ(options.value().host, "a");
    EXPECT_EQ(options.value().client_id, "x");
    EXPECT_EQ(options.value().version, net::MqttVersion::kV311);
}

TEST_F(ConnectionFlagsTest, HelpIsOnTheLongFlagOnly) {
    EXPECT_THROW(options_for({"--help"}), CLI::CallForHelp);
}

TEST_F(ConnectionFlagsTest, WithoutFlagsTheDefaultsApply) {
    auto options = options_for({});
    ASSERT_TRUE(options) << options.error();
    EXPECT_EQ(options.value().host, "default.example");
    EXPECT_EQ(options.value().port, 1883);
    EXPECT_EQ(options.value().username, "student");
    EXPECT_EQ(options.value().client_id, "default-id");
}

TEST_F(ConnectionFlagsTest, AHostWithItsPortNeedsNoPortFlag) {
    auto options = options_for({"--host", "127.0.0.1:1884"});
    ASSERT_TRUE(options) << options.error();
    EXPECT_EQ(options.value().port, 1884);
}

TEST_F(ConnectionFlagsTest, APortGivenTwiceMustAgree) {
    auto same = options_for({"--host", "127.0.0.1:1884", "-p", "1884"});
    EXPECT_TRUE(same) << same.error();
    EXPECT_EQ(error_for({"--host", "127.0.0.1:1884", "-p", "1883"}),
              "--host '127.0.0.1:1884' says port 1884 but --port says 1883: give the port once");
}

TEST_F(ConnectionFlagsTest, AnMqttUrlGivesHostPortAndUser) {
    auto options = options_for({"-L", "mqtt://alice@127.0.0.1:1884"});
    ASSERT_TRUE(options) << options.error();
    EXPECT_EQ(options.value().host, "127.0.0.1");
    EXPECT_EQ(options.value().port, 1884);
    EXPECT_EQ(options.value().username, "alice");
    EXPECT_FALSE(options.value().tls.enabled);
}

TEST_F(ConnectionFlagsTest, AnMqttsUrlTurnsTlsOnWithItsPort) {
    auto options = options_for({"--url", "mqtts://broker.example"});
    ASSERT_TRUE(options) << options.error();
    EXPECT_TRUE(options.value().tls.enabled);
    EXPECT_EQ(options.value().port, 8883);
}

TEST_F(ConnectionFlagsTest, HostTakesAUrlToo) {
    auto options = options_for({"--host", "mqtts://broker.example:9883"});
    ASSERT_TRUE(options) << options.error();
    EXPECT_TRUE(options.value().tls.enabled);
    EXPECT_EQ(options.value().port, 9883);
}

TEST_F(ConnectionFlagsTest, ConflictingUrlFlagsAreRefused) {
    EXPECT_EQ(error_for({"-L", "127.0.0.1"}),
              "-L/--url '127.0.0.1': expected mqtt://[user@]host[:port] or mqtts://...");
    EXPECT_EQ(error_for({"-L", "mqtt://a", "--tls"}),
              "-L/--url 'mqtt://a': mqtt:// is without TLS, but --tls, --cafile or --cert ask "
              "for TLS: use mqtts://");
    EXPECT_EQ(error_for({"-L", "mqtt://bob@a", "-u", "alice"}),
              "--username alice and the URL's user bob differ: give the user name once");
    EXPECT_EQ(error_for({"-L", "mqtt://a:1884", "-p", "1883"}),
              "-L/--url 'mqtt://a:1884' says port 1884 but --port says 1883: give the port once");
}

TEST_F(ConnectionFlagsTest, HostAndUrlExcludeEachOther) {
    EXPECT_THROW(options_for({"-h", "a", "-L", "mqtt://b"}), CLI::ExcludesError);
}

TEST_F(ConnectionFlagsTest, Mqtt31IsRefusedWithTheVersionsThatWork) {
    EXPECT_EQ(error_for({"-V", "31"}),
              "--mqtt-version 31: MQTT 3.1 is not supported, use 311 (MQTT 3.1.1) or 5");
}

// ---- where the credentials came from (named in a refusal for bad credentials) ----

TEST_F(ConnectionFlagsTest, TheDefaultUserNameIsNamedAsTheDefault) {
    unsetenv("CMDLINK_PASSWORD");
    auto options = options_for({});
    ASSERT_TRUE(options) << options.error();
    EXPECT_EQ(options.value().credentials_origin,
              "user name 'student' (the default: no -u/--username was given), no password (give "
              "it with --password-file or $CMDLINK_PASSWORD)");
}

TEST_F(ConnectionFlagsTest, AGivenUserNameAndPasswordFileAreNamedWithTheirFlags) {
    unsetenv("CMDLINK_PASSWORD");
    const auto file = std::filesystem::temp_directory_path() / "cmdlink-flags-test-password";
    std::ofstream(file) << "secret\n";
    auto options = options_for({"-u", "alice", "--password-file", file.string()});
    std::filesystem::remove(file);
    ASSERT_TRUE(options) << options.error();
    EXPECT_EQ(
        options.value().credentials_origin,
        "user name 'alice' (from -u/--username), password from --password-file " + file.string());
}

TEST_F(ConnectionFlagsTest, APasswordFromTheEnvironmentIsNamedSo) {
    setenv("CMDLINK_PASSWORD", "pw", 1);
    auto options = options_for({"-u", "alice"});
    unsetenv("CMDLINK_PASSWORD");
    ASSERT_TRUE(options) << options.error();
    EXPECT_EQ(options.value().credentials_origin,
              "user name 'alice' (from -u/--username), password from $CMDLINK_PASSWORD");
}

TEST(ReadSecretFile, AnEmptyPasswordFileIsRefusedWithWhatToDo) {
    const auto file = std::filesystem::temp_directory_path() / "cmdlink-empty-password";
    std::ofstream(file) << "";
    const auto read = read_secret_file(file.string());
    std::filesystem::remove(file);
    ASSERT_FALSE(read);
    EXPECT_EQ(read.error(), "the password file " + file.string() +
                                " is empty: put the password on its first line");
}

TEST(ReadSecretFile, APasswordFileWhoseFirstLineIsEmptyIsRefusedToo) {
    const auto file = std::filesystem::temp_directory_path() / "cmdlink-blank-password";
    std::ofstream(file) << "\nsecret\n";
    const auto read = read_secret_file(file.string());
    std::filesystem::remove(file);
    EXPECT_FALSE(read);
}

}  // namespace
}  // namespace cmdlink::apps
