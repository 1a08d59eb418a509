#include "broker/roster_setup.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <nlohmann/json.hpp>
#include <random>
#include <string>

#include "broker/temp_directory.hpp"
#include "isolation/session_pool_file.hpp"
#include "os/text_file.hpp"

namespace cmdlink::broker {
namespace {

std::vector<isolation::RosterEntry> two_students() {
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

// Fixed draws: these tests check the files, not the randomness.
class SeededRandom final : public core::RandomSource {
  public:
    std::uint64_t next_u64() override { return engine_(); }

  private:
    std::mt19937_64 engine_{42};
};

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
        return os::read_text_from(options_.directory / name, 0);
    }

    std::optional<TempDirectory> scratch_;
    RosterSetupOptions options_;
    SeededRandom random_;
};

TEST_F(RosterSetup, WritesPrivateFilesWithHashedPasswordsForDynamicSecurity) {
    options_.dynamic_security = true;
    auto written = write_roster_setup(two_students(), options_, random_);
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
          "password_file " + written.value().security.password_file.string() + "\n",
          "plugin_opt_config_file " + written.value().security.dynsec_config.string() + "\n"}) {
        EXPECT_NE(config.find(line), std::string::npos) << line << " not in:\n" << config;
    }
    EXPECT_EQ(config.find("acl_file"), std::string::npos) << config;
}

TEST_F(RosterSetup, WritesAnAclFileAndASessionPoolByDefault) {
    options_.sessions_per_student = 3;
    auto written = write_roster_setup(two_students(), options_, random_);
    ASSERT_TRUE(written.ok()) << written.error();
    const broker::RosterSetup& setup = written.value();
    EXPECT_EQ(mode_of(setup.security.acl_file), 0600U);
    EXPECT_EQ(mode_of(setup.session_pool), 0600U);
    EXPECT_FALSE(std::filesystem::exists(options_.directory / "dynamic-security.json"));

    const std::string config = read("mosquitto.conf");
    EXPECT_NE(config.find("acl_file " + setup.security.acl_file.string() + "\n"), std::string::npos)
        << config;
    // The login plugin is the only one.
    EXPECT_EQ(config.find("plugin_opt_config_file"), std::string::npos) << config;
    EXPECT_NE(config.find("plugin " + setup.security.login_plugin.string() + "\n"),
              std::string::npos)
        << config;

    auto pool = isolation::parse_session_pool(read("session-pool"));
    ASSERT_TRUE(pool.ok()) << pool.error();
    ASSERT_EQ(pool.value().size(), 6U);
    const std::string acl = read("acl");
    EXPECT_NE(acl.find("user cmdlink-server\ntopic read login\ntopic read +/+\n"
                       "topic write +/UUID\ntopic write +/result\ntopic write +\n"),
              std::string::npos)
        << acl;
    EXPECT_NE(acl.find("user alice\ntopic write login\ntopic read 1001/UUID\n"
                       "topic read 1001/result\n"),
              std::string::npos)
        << acl;
    for (const core::PooledSessionId& id : pool.value()) {
        EXPECT_NE(
            acl.find("topic read " + id.session_id + "\ntopic write " + id.session_id + "/+\n"),
            std::string::npos)
            << id.session_id;
    }
    // Alice's rules stop where Bob's begin, and hold only Alice's IDs.
    const std::string alice =
        acl.substr(acl.find("user alice"), acl.find("user bob") - acl.find("user alice"));
    for (const core::PooledSessionId& id : pool.value()) {
        EXPECT_EQ(alice.find(id.session_id) != std::string::npos, id.user_id == "1001")
            << id.session_id;
    }
}

TEST_F(RosterSetup, LoadsTheLoginPluginBeforeDynamicSecurityWithTheAccountMap) {
    options_.dynamic_security = true;
    options_.logins_per_minute = 12;
    options_.login_burst = 4;
    auto written = write_roster_setup(two_students(), options_, random_);
    ASSERT_TRUE(written.ok()) << written.error();
    const broker::RosterSecurity& security = written.value().security;
    EXPECT_EQ(security.login_plugin.filename(), "cmdlink_auth.so");
    EXPECT_TRUE(std::filesystem::is_regular_file(security.login_plugin)) << security.login_plugin;
    EXPECT_EQ(mode_of(options_.directory / "accounts"), 0600U);
    EXPECT_EQ(read("accounts").substr(read("accounts").find("server\t")),
              "server\tcmdlink-server\nstudent\talice\t1001\nstudent\tbob\t1002\n");

    // Mosquitto asks plugins in the order of their `plugin` lines: ours must come first.
    const std::string config = read("mosquitto.conf");
    const std::string ours = "plugin " + security.login_plugin.string() +
                             "\nplugin_opt_account_map " + security.account_map.string() +
                             "\nplugin_opt_logins_per_minute 12\nplugin_opt_login_burst 4\n";
    const auto at = config.find(ours);
    ASSERT_NE(at, std::string::npos) << config;
    EXPECT_LT(at, config.find("plugin " + security.dynsec_plugin.string())) << config;
}

TEST_F(RosterSetup, RefusesALoginRateOutOfRangeAndWritesNothing) {
    options_.login_burst = 0;
    auto written = write_roster_setup(two_students(), options_, random_);
    ASSERT_FALSE(written.ok());
    EXPECT_NE(written.error().find("--login-burst"), std::string::npos) << written.error();
    EXPECT_FALSE(std::filesystem::exists(options_.directory / "mosquitto.conf"));
}

TEST_F(RosterSetup, RefusesNamesWithBlanksAtTheirEndsInPoolMode) {
    auto roster = two_students();
    roster[0].username = "alice ";
    auto written = write_roster_setup(roster, options_, random_);
    ASSERT_FALSE(written.ok());
    EXPECT_NE(written.error().find("roster line 2"), std::string::npos) << written.error();
    EXPECT_FALSE(std::filesystem::exists(options_.directory));
}

TEST_F(RosterSetup, TakesPortAndBindAddress) {
    options_.port = 8883;
    options_.bind_address = "0.0.0.0";
    ASSERT_TRUE(write_roster_setup(two_students(), options_, random_).ok());
    EXPECT_NE(read("mosquitto.conf").find("listener 8883 0.0.0.0\n"), std::string::npos);
}

TEST_F(RosterSetup, WritesNothingWhenAStudentHasTheServersName) {
    auto roster = two_students();
    roster[1].username = options_.server_user;
    auto written = write_roster_setup(roster, options_, random_);
    ASSERT_FALSE(written.ok());
    EXPECT_NE(written.error().find("roster line 3"), std::string::npos) << written.error();
    EXPECT_FALSE(std::filesystem::exists(options_.directory));
}

TEST_F(RosterSetup, AddsTlsAndWebSocketListenersOnTheBindAddressAndLogsConnections) {
    const auto cert = scratch_->path() / "broker.crt";
    const auto key = scratch_->path() / "broker.key";
    ASSERT_TRUE(os::write_text_file(cert, "certificate").ok());
    ASSERT_TRUE(os::write_text_file(key, "key").ok());
    options_.bind_address = "0.0.0.0";
    options_.tls_cert = cert;
    options_.tls_key = key;
    options_.tls_port = 8884;
    options_.websockets_port = 8080;
    ASSERT_TRUE(write_roster_setup(two_students(), options_, random_).ok());
    const std::string config = read("mosquitto.conf");
    EXPECT_NE(config.find("listener 8884 0.0.0.0\ncertfile " + cert.string() + "\nkeyfile " +
                          key.string() + "\n"),
              std::string::npos)
        << config;
    EXPECT_NE(config.find("listener 8080 0.0.0.0\nprotocol websockets\n"), std::string::npos)
        << config;
    EXPECT_NE(config.find("log_type notice\nconnection_messages true\n"), std::string::npos)
        << config;
}

TEST_F(RosterSetup, RefusesACertificateWithoutItsKeyOrAPortTwiceAndWritesNothing) {
    const auto cert = scratch_->path() / "broker.crt";
    ASSERT_TRUE(os::write_text_file(cert, "certificate").ok());
    options_.tls_cert = cert;
    auto written = write_roster_setup(two_students(), options_, random_);
    ASSERT_FALSE(written.ok());
    EXPECT_EQ(written.error(), "--tls-cert and --tls-key go together");
    options_.tls_cert.clear();
    options_.websockets_port = options_.port;
    written = write_roster_setup(two_students(), options_, random_);
    ASSERT_FALSE(written.ok());
    EXPECT_NE(written.error().find("is the port of another listener"), std::string::npos)
        << written.error();
    EXPECT_FALSE(std::filesystem::exists(options_.directory));
}

TEST_F(RosterSetup, TheObserverReadsEverythingInPoolModeAndTheLoginPluginLetsItIn) {
    options_.observer_user = "watcher";
    options_.observer_password = "watcher-secret";
    ASSERT_TRUE(write_roster_setup(two_students(), options_, random_).ok());
    const std::string acl = read("acl");
    EXPECT_NE(acl.find("\nuser watcher\ntopic read #\n"), std::string::npos) << acl;
    EXPECT_NE(read("passwords").find("watcher:$"), std::string::npos);
    EXPECT_NE(read("mosquitto.conf").find("plugin_opt_other_accounts trust\n"), std::string::npos);
}

TEST_F(RosterSetup, TheObserversDynamicSecurityRoleOnlyReads) {
    options_.dynamic_security = true;
    options_.observer_user = "watcher";
    options_.observer_password = "watcher-secret";
    ASSERT_TRUE(write_roster_setup(two_students(), options_, random_).ok());
    const auto config = nlohmann::json::parse(read("dynamic-security.json"));
    bool found_client = false;
    for (const auto& client : config["clients"]) {
        if (client["username"] == "watcher") {
            found_client = true;
            EXPECT_EQ(client["roles"][0]["rolename"], "cmdlink-observer");
        }
    }
    EXPECT_TRUE(found_client);
    for (const auto& role : config["roles"]) {
        if (role["rolename"] != "cmdlink-observer") continue;
        for (const auto& acl : role["acls"]) {
            EXPECT_NE(acl["acltype"], "publishClientSend") << acl.dump();
            EXPECT_EQ(acl["topic"], "#");
        }
    }
}

TEST_F(RosterSetup, AddingAStudentKeepsEveryFileAsItWasAndAppendsToIt) {
    ASSERT_TRUE(write_roster_setup(two_students(), options_, random_).ok());
    const std::string pool = read("session-pool");
    const std::string passwords = read("passwords");
    const std::string acl = read("acl");
    std::vector<isolation::RosterEntry> carol = {{.username = "carol",
                                                  .password = "carol-secret",
                                                  .hashed = false,
                                                  .user_id = "1003",
                                                  .line = 2}};
    auto added = add_to_roster_setup(carol, options_, random_);
    ASSERT_TRUE(added.ok()) << added.error();
    EXPECT_EQ(read("session-pool").substr(0, pool.size()), pool);
    EXPECT_EQ(read("passwords").substr(0, passwords.size()), passwords);
    EXPECT_EQ(read("acl").substr(0, acl.size()), acl);
    EXPECT_NE(read("passwords").find("\ncarol:$"), std::string::npos);
    EXPECT_NE(read("accounts").find("student\tcarol\t1003\n"), std::string::npos);
    auto entries = isolation::parse_session_pool(read("session-pool"));
    ASSERT_TRUE(entries.ok()) << entries.error();
    EXPECT_EQ(entries.value().size(), 3 * options_.sessions_per_student);
}

TEST_F(RosterSetup, AddingAStudentWithDynamicSecurityKeepsTheOthersAndAddsItsRoleAndGroup) {
    options_.dynamic_security = true;
    ASSERT_TRUE(write_roster_setup(two_students(), options_, random_).ok());
    const auto before = nlohmann::json::parse(read("dynamic-security.json"));
    std::vector<isolation::RosterEntry> carol = {{.username = "carol",
                                                  .password = "carol-secret",
                                                  .hashed = false,
                                                  .user_id = "1003",
                                                  .line = 2}};
    auto added = add_to_roster_setup(carol, options_, random_);
    ASSERT_TRUE(added.ok()) << added.error();
    const auto after = nlohmann::json::parse(read("dynamic-security.json"));
    for (const char* key : {"clients", "groups", "roles"}) {
        ASSERT_EQ(after[key].size(), before[key].size() + 1) << key;
        for (std::size_t i = 0; i < before[key].size(); ++i) {
            EXPECT_EQ(after[key][i], before[key][i]) << key;
        }
    }
    EXPECT_EQ(after["clients"].back()["username"], "carol");
    EXPECT_EQ(after["defaultACLAccess"], before["defaultACLAccess"]);
}

TEST_F(RosterSetup, AddingAStudentWithAUserIdTheSetupHasWritesNothing) {
    ASSERT_TRUE(write_roster_setup(two_students(), options_, random_).ok());
    const std::string passwords = read("passwords");
    std::vector<isolation::RosterEntry> again = {
        {.username = "alice2", .password = "x", .hashed = false, .user_id = "1001", .line = 2}};
    auto added = add_to_roster_setup(again, options_, random_);
    ASSERT_FALSE(added.ok());
    EXPECT_EQ(added.error(), "roster line 2: user ID '1001' is in the setup already");
    EXPECT_EQ(read("passwords"), passwords);
}

}  // namespace
}  // namespace cmdlink::broker
