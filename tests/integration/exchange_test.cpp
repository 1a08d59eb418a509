// Our client against our server through a real Mosquitto: whole exchanges at every QoS.
#include <gtest/gtest.h>

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "exchange_checks.hpp"
#include "integration_support.hpp"

namespace cmdlink::integration {
namespace {

class Exchange : public BrokerTest {
  protected:
    // A server with --stop-after `sessions`, then that many clients one after the other.
    void run_sessions(const std::string& qos_flag, std::optional<int> qos,
                      const std::vector<std::string>& server_extra = {},
                      const std::vector<std::string>& client_extra = {}) {
        constexpr int kSessions = 3;
        std::vector<std::string> server_flags = {
            "--delay", "0.1",    "--commands",   "3-11",
            "--qos",   qos_flag, "--stop-after", std::to_string(kSessions)};
        server_flags.insert(server_flags.end(), server_extra.begin(), server_extra.end());
        CmdlinkProcess* server = start_server(server_flags);
        ASSERT_NE(server, nullptr);
        // A session that fails gets no Well done: the client then gives up after 5 s, not 30.
        std::vector<std::string> client_flags = {"--idle-timeout", "5"};
        client_flags.insert(client_flags.end(), client_extra.begin(), client_extra.end());
        std::set<std::string> client_sessions;
        for (int i = 0; i < kSessions; ++i) {
            CmdlinkProcess* client = start_client("device-" + std::to_string(i), client_flags);
            ASSERT_NE(client, nullptr);
            client_sessions.insert(expect_client_passed(*client));
        }
        expect_server_sessions_passed(*server, kSessions, qos);
        std::set<std::string> server_sessions;
        for (const Json& end : server->events("session_end")) {
            server_sessions.insert(end.value("session_id", ""));
        }
        EXPECT_EQ(client_sessions, server_sessions);
    }
};

TEST_F(Exchange, ClientPassesAtQos0) {
    run_sessions("0", 0);
}

TEST_F(Exchange, ClientPassesAtQos1) {
    run_sessions("1", 1);
}

TEST_F(Exchange, ClientPassesAtQos2) {
    run_sessions("2", 2);
}

TEST_F(Exchange, ClientPassesAtRandomQos) {
    run_sessions("random", std::nullopt);
}

// PROTOCOL.md: "our client passes the strictest check".
TEST_F(Exchange, ClientPassesStrictServerAtRandomQos) {
    run_sessions("random", std::nullopt, {"--strict"});
}

TEST_F(Exchange, Mqtt5ClientPasses) {
    run_sessions("random", std::nullopt, {}, {"--mqtt-version", "5"});
}

TEST_F(Exchange, Mqtt5ClientPassesAgainstMqtt5Server) {
    run_sessions("random", std::nullopt, {"--mqtt-version", "5"}, {"--mqtt-version", "5"});
}

TEST_F(Exchange, TwentyConcurrentClientsAllPass) {
    constexpr int kClients = 20;
    // A longer delay than elsewhere: twenty clients start at once on a small machine, and
    // each must have subscribed to its session before the first command.
    CmdlinkProcess* server = start_server({"--delay", "0.5", "--commands", "3-11", "--qos",
                                           "random", "--stop-after", std::to_string(kClients)});
    ASSERT_NE(server, nullptr);
    std::vector<CmdlinkProcess*> clients;
    for (int i = 0; i < kClients; ++i) {
        clients.push_back(start_client("fleet-" + std::to_string(i), {}));
        ASSERT_NE(clients.back(), nullptr);
    }
    std::set<std::string> client_sessions;
    for (CmdlinkProcess* client : clients) client_sessions.insert(expect_client_passed(*client));
    EXPECT_EQ(client_sessions.size(), static_cast<std::size_t>(kClients));
    expect_server_sessions_passed(*server, kClients, std::nullopt);
}

}  // namespace
}  // namespace cmdlink::integration
