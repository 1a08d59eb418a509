// `cmdlink server --shared-group` on a broker that cannot deliver shared subscriptions refuses
// to start (exit 8), naming what the broker did, instead of running without ever hearing a
// login or reconnecting forever. Mosquitto stands in for the brokers that misbehave: access
// rules make it refuse the `$share` subscription, or accept it and deliver nothing, as a
// broker that takes `$share/...` as a literal topic name does.
#include <gtest/gtest.h>

#include <string>

#include "integration_support.hpp"
#include "roster_fixture.hpp"

namespace cmdlink::integration {
namespace {

constexpr int kExitNoSharedGroup = 8;

std::vector<std::string> group_flags(const std::string& port, const std::filesystem::path& ledger) {
    return {"server",      "--host", "127.0.0.1",      "--port", port,       "--json",       "-q",
            "--client-id", "member", "--shared-group", "g",      "--ledger", ledger.string()};
}

// The dynamic security plugin checks every subscription against the account's roles, and the
// roster's server role grants `login` and `+/+`, not `$share/...`: SUBACK 0x80.
class SharedGroupOnARosterBroker : public RosterIsolation {
  protected:
    [[nodiscard]] bool dynamic_security() const override { return true; }
};

TEST_F(SharedGroupOnARosterBroker, ARefusedSharedSubscriptionStopsTheServerNamingTheSuback) {
    std::vector<std::string> arguments = group_flags(port_text(), workspace() / "l.db");
    arguments.insert(arguments.end(), {"--username", "cmdlink-server", "--password-file",
                                       (out() / "server-password").string()});
    CmdlinkProcess* server = run_cmdlink("server", arguments);
    ASSERT_NE(server, nullptr);
    EXPECT_EQ(server->wait_for_exit(), kExitNoSharedGroup) << server->describe();
    EXPECT_NE(server->stderr_text().find("SUBACK 0x80"), std::string::npos) << server->describe();
    EXPECT_EQ(server->events("shared_group_refused").size(), 1U) << server->describe();
    EXPECT_EQ(server->events("connection_lost").size(), 0U) << server->describe();
}

// An acl_file lets any subscription through and checks each delivery: the server's account
// may publish anywhere but read only `login`, so the probes never reach the group.
class SharedGroupOnABrokerThatDeliversNothing : public BrokerTest {
  protected:
    [[nodiscard]] broker::BrokerOptions broker_options() const override {
        broker::BrokerOptions options;
        options.users = {{"server", "server-secret"}};
        options.acl_file_text = "user server\ntopic write #\ntopic read login\n";
        return options;
    }
};

TEST_F(SharedGroupOnABrokerThatDeliversNothing, TheProbeStopsTheServerBeforeItTakesALogin) {
    const auto password = write_file("server.password", "server-secret");
    std::vector<std::string> arguments = group_flags(port_text(), workspace() / "l.db");
    arguments.insert(arguments.end(),
                     {"--username", "server", "--password-file", password.string()});
    CmdlinkProcess* server = run_cmdlink("server", arguments);
    ASSERT_NE(server, nullptr);
    EXPECT_EQ(server->wait_for_exit(), kExitNoSharedGroup) << server->describe();
    EXPECT_NE(server->stderr_text().find("delivered 0 of the 4 probes"), std::string::npos)
        << server->describe();
    // It never joined the group: no login could have been handed to it.
    EXPECT_FALSE(broker_saw_subscription("member-login", "$share/g/login"));
}

}  // namespace
}  // namespace cmdlink::integration
