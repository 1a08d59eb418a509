// A broker that refuses a subscription the exchange needs is named as the cause at once,
// instead of a timeout later (the client) or a server that looks ready and hears nothing.
#include <gtest/gtest.h>

#include <string>

#include "roster_fixture.hpp"

namespace cmdlink::integration {
namespace {

class SubscriptionRefusal : public RosterIsolation {
  protected:
    // The dynamic security plugin checks subscriptions (an acl_file checks only deliveries).
    [[nodiscard]] bool dynamic_security() const override { return true; }
    // The login plugin would refuse both connections below before any SUBSCRIBE (a client ID
    // of another account's: tests/integration/login_binding_test.cpp); these tests are about
    // what the client and the server say when a broker refuses a subscription.
    [[nodiscard]] bool bind_logins() const override { return false; }
};

TEST_F(SubscriptionRefusal, AClientOnAnotherStudentsAccountIsToldItsSubscriptionWasRefused) {
    const auto password = write_file("alice.password", kAlice.password);
    // Alice's account may read only her own `<user ID>/UUID`, not Bob's.
    CmdlinkProcess* client = start_client(
        kBob.user_id, {"--username", kAlice.username, "--password-file", password.string()});
    ASSERT_NE(client, nullptr);
    EXPECT_EQ(client->wait_for_exit(), 3) << client->describe();
    EXPECT_NE(client->stderr_text().find("refused the subscription to " + kBob.user_id + "/UUID"),
              std::string::npos)
        << client->describe();
}

TEST_F(SubscriptionRefusal, AServerOnAStudentsAccountStopsNamingTheRefusedSubscription) {
    const auto password = write_file("alice.password", kAlice.password);
    CmdlinkProcess* server =
        run_cmdlink("server", {"server", "--host", "127.0.0.1", "--port", port_text(), "--username",
                               kAlice.username, "--password-file", password.string(), "--ledger",
                               (workspace() / "l.db").string(), "--json", "-q"});
    ASSERT_NE(server, nullptr);
    EXPECT_EQ(server->wait_for_exit(), 3) << server->describe();
    EXPECT_EQ(server->events("subscription_refused").size(), 1U) << server->describe();
    EXPECT_NE(server->stderr_text().find("refused the subscription"), std::string::npos)
        << server->describe();
}

}  // namespace
}  // namespace cmdlink::integration
