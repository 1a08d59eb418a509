// Scale-out: several `cmdlink server --shared-group` processes on one broker split the logins
// through an MQTT shared subscription, and each judges only its own sessions.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "exchange_checks.hpp"
#include "integration_support.hpp"

namespace cmdlink::integration {
namespace {

class SharedGroup : public BrokerTest {
  protected:
    // A server of group `g` under its own client ID, returned once its login subscription
    // has reached the broker (it subscribes to nothing else until a session exists).
    CmdlinkProcess* start_group_server(const std::string& client_id) {
        CmdlinkProcess* server = run_cmdlink(
            "server-" + client_id,
            {"server", "--host", "127.0.0.1", "--port", port_text(), "--json", "-q", "--client-id",
             client_id, "--shared-group", "g", "--delay", "0.5", "--commands", "3-11", "--qos",
             "random", "--ledger", (workspace() / (client_id + ".db")).string()});
        if (server == nullptr) return nullptr;
        const bool ready = wait_until(
            [&] {
                return broker_saw_subscription(client_id, "$share/g/login") || !server->running();
            },
            kWaitLimit);
        if (!ready || !server->running()) {
            ADD_FAILURE() << "the server never subscribed to the logins\n" << server->describe();
            return nullptr;
        }
        return server;
    }
};

TEST_F(SharedGroup, TwoServersHandleEverySessionExactlyOnce) {
    constexpr int kClients = 24;
    CmdlinkProcess* first = start_group_server("server-a");
    ASSERT_NE(first, nullptr);
    CmdlinkProcess* second = start_group_server("server-b");
    ASSERT_NE(second, nullptr);

    std::vector<CmdlinkProcess*> clients;
    for (int i = 0; i < kClients; ++i) {
        clients.push_back(start_client("fleet-" + std::to_string(i), {"--idle-timeout", "10"}));
        ASSERT_NE(clients.back(), nullptr);
    }
    std::set<std::string> client_sessions;
    for (CmdlinkProcess* client : clients) client_sessions.insert(expect_client_passed(*client));
    EXPECT_EQ(client_sessions.size(), static_cast<std::size_t>(kClients));

    const auto ended = [&] {
        return first->events("session_end").size() + second->events("session_end").size();
    };
    EXPECT_TRUE(wait_until([&] { return ended() >= kClients; }, kWaitLimit));
    EXPECT_EQ(first->stop(), 0);
    EXPECT_EQ(second->stop(), 0);

    // Every user ID was issued exactly one session, by exactly one of the two servers.
    std::map<std::string, int> issued_per_user;
    std::map<std::string, int> issued_per_server;
    std::set<std::string> server_sessions;
    for (CmdlinkProcess* server : {first, second}) {
        for (const Json& issued : server->events("session")) {
            if (issued.value("repeated", false)) continue;
            ++issued_per_user[issued.value("user_id", "")];
            ++issued_per_server[server->name()];
        }
        for (const Json& end : server->events("session_end")) {
            EXPECT_EQ(end.value("outcome", ""), "passed") << end.dump();
            server_sessions.insert(end.value("session_id", ""));
        }
        // Neither server heard the other's replies: nothing judged as an unknown session.
        for (const Json& reply : server->events("reply")) {
            EXPECT_EQ(reply.value("verdict", ""), "correct") << server->name() << reply.dump();
        }
    }
    EXPECT_EQ(issued_per_user.size(), static_cast<std::size_t>(kClients));
    for (const auto& [user, count] : issued_per_user) EXPECT_EQ(count, 1) << user;
    EXPECT_EQ(server_sessions, client_sessions);
    // Mosquitto hands a shared subscription's messages round robin, so with 24 logins neither
    // server can be left out unless it is not really in the group. (Other brokers may use
    // other strategies; this test runs on Mosquitto only.)
    EXPECT_EQ(issued_per_server.size(), 2U);
    for (const auto& [server, count] : issued_per_server) EXPECT_GE(count, 1) << server;
}

TEST_F(SharedGroup, SharedGroupWithoutAClientIdIsAUsageError) {
    CmdlinkProcess* server = run_cmdlink(
        "server", {"server", "--host", "127.0.0.1", "--port", port_text(), "--shared-group", "g",
                   "--ledger", (workspace() / "ledger.db").string()});
    ASSERT_NE(server, nullptr);
    EXPECT_EQ(server->wait_for_exit(), 2);
    EXPECT_NE(server->stderr_text().find("--client-id"), std::string::npos);
}

}  // namespace
}  // namespace cmdlink::integration
