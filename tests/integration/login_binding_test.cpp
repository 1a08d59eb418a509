// The login plugin (cmdlink_auth.so, docs/isolation.md "Logins bound to accounts") on a real
// Mosquitto set up by `cmdlink broker-config --roster`: a student can neither log in as
// another student nor take over another's connection, and an account's logins are rate
// limited.
#include <sqlite3.h>

#include <string>
#include <vector>

#include "broker/private_broker.hpp"
#include "ledger/ledger_queries.hpp"
#include "ledger/ledger_schema.hpp"
#include "roster_fixture.hpp"

namespace cmdlink::integration {
namespace {

constexpr int kForgeries = 20;
constexpr int kFlood = 20;

using LoginBinding = RosterIsolation;

std::vector<Json> sessions_of(const CmdlinkProcess& server, const std::string& user_id) {
    std::vector<Json> sessions;
    for (const Json& session : server.events("session")) {
        if (session.value("user_id", "") == user_id) sessions.push_back(session);
    }
    return sessions;
}

std::string broker_log(broker::PrivateBroker& broker) {
    return read_text(broker::BrokerFiles::in(broker.directory()).log);
}

TEST_F(LoginBinding, AForgedLoginNeverReachesTheServerAndCostsTheVictimNothing) {
    CmdlinkProcess* server =
        start_roster_server({"--delay", kDelay, "--qos", "2", "--stop-after", "2"});
    ASSERT_NE(server, nullptr);
    auto bob = connect(kBob);
    ASSERT_NE(bob, nullptr);
    auto bob_session = bob->log_in(kBob.user_id);
    ASSERT_TRUE(bob_session.ok()) << bob_session.error() << server->describe();

    // Alice publishes Bob's user ID at every QoS; the broker acknowledges and drops them.
    auto alice = connect(kAlice);
    ASSERT_NE(alice, nullptr);
    for (int i = 0; i < kForgeries; ++i) {
        ASSERT_TRUE(alice->publish("login", kBob.user_id, i % 3).ok());
    }
    ASSERT_TRUE(alice->wait_published().ok());
    // Her own login is a barrier: had the broker passed any forgery on, the server would
    // have had it before this one.
    auto alice_session = alice->log_in(kAlice.user_id);
    ASSERT_TRUE(alice_session.ok()) << alice_session.error() << server->describe();
    EXPECT_EQ(alice_session.value(), pooled_ids(kAlice.user_id).at(0));

    const auto bobs = sessions_of(*server, kBob.user_id);
    ASSERT_EQ(bobs.size(), 1U) << server->describe();
    EXPECT_FALSE(bobs[0].value("repeated", true)) << bobs[0].dump();
    EXPECT_TRUE(server->events("login_refused").empty()) << server->describe();

    // Bob's session runs on with the first of his pooled IDs, and he passes.
    EXPECT_EQ(bob_session.value(), pooled_ids(kBob.user_id).at(0));
    ASSERT_TRUE(finish_session(*bob, bob_session.value()).ok()) << server->describe();
    ASSERT_TRUE(finish_session(*alice, alice_session.value()).ok()) << server->describe();
    ASSERT_EQ(server->wait_for_exit(), 0) << server->describe();

    // Bob's record holds his one session, passed, and no refused login.
    auto ledger = ledger::open_ledger_for_reading((workspace() / "ledger.db").string());
    ASSERT_TRUE(ledger.ok()) << ledger.error();
    auto records =
        ledger::load_sessions(ledger.value(), {.user_id = kBob.user_id, .since = std::nullopt});
    ASSERT_TRUE(records.ok()) << records.error();
    ASSERT_EQ(records.value().size(), 1U);
    EXPECT_EQ(records.value()[0].session_id, bob_session.value());
    EXPECT_EQ(records.value()[0].outcome, "passed");
    auto refused = ledger.value().prepare("SELECT COUNT(*) FROM refused_logins");
    ASSERT_TRUE(refused.ok()) << refused.error();
    ASSERT_EQ(refused.value().step(), SQLITE_ROW);
    EXPECT_EQ(refused.value().integer(0), 0);

    // The broker's log names the forger once (later denials within a minute are counted).
    const std::string log = broker_log(broker());
    EXPECT_NE(log.find("cmdlink_auth: denied a login from account 'alice@example.org': the login "
                       "is not the account's user ID 1001"),
              std::string::npos)
        << log;
}

TEST_F(LoginBinding, AStudentCannotTakeOverAnotherStudentsConnection) {
    CmdlinkProcess* server = start_roster_server({"--delay", kDelay, "--stop-after", "1"});
    ASSERT_NE(server, nullptr);
    // Bob's own client, on its default client ID cmdlink-1002.
    CmdlinkProcess* bob = start_student_client(kBob);
    ASSERT_NE(bob, nullptr);
    ASSERT_TRUE(wait_until([&] { return !sessions_of(*server, kBob.user_id).empty(); }, kWaitLimit))
        << server->describe() << bob->describe();

    // While the server waits with his commands, Alice tries his client ID, again and again.
    for (int attempt = 0; attempt < 5; ++attempt) {
        auto thief = RawDevice::connect(port(), "cmdlink-" + kBob.user_id,
                                        {kAlice.username, kAlice.password, false});
        ASSERT_FALSE(thief.ok()) << "the broker let Alice in as cmdlink-" << kBob.user_id;
        EXPECT_NE(thief.error().find("not authorised"), std::string::npos) << thief.error();
    }
    // Her own IDs still work.
    for (const std::string& own : {"cmdlink-" + kAlice.user_id, kAlice.username + ":sniffer"}) {
        auto device = RawDevice::connect(port(), own, {kAlice.username, kAlice.password, false});
        EXPECT_TRUE(device.ok()) << own << ": " << device.error();
    }

    expect_client_passed(*bob);
    const auto summary = bob->events("summary");
    ASSERT_EQ(summary.size(), 1U) << bob->describe();
    EXPECT_EQ(summary[0].value("reconnects", -1), 0) << summary[0].dump();
    ASSERT_EQ(server->wait_for_exit(), 0) << server->describe();
    EXPECT_NE(broker_log(broker()).find("cmdlink_auth: refused client ID 'cmdlink-1002' for "
                                        "account 'alice@example.org': the client ID belongs to "
                                        "the account 'bob@example.org'"),
              std::string::npos)
        << broker_log(broker());
}

TEST_F(LoginBinding, AMistypedUserIdIsRefusedAtConnectInsteadOfLoggingInAsSomeoneElse) {
    const auto password = write_file("alice.password", kAlice.password);
    // Alice's account with Bob's user ID: the client's default client ID is Bob's.
    CmdlinkProcess* client = start_client(
        kBob.user_id, {"--username", kAlice.username, "--password-file", password.string()});
    ASSERT_NE(client, nullptr);
    EXPECT_EQ(client->wait_for_exit(), 3) << client->describe();
    EXPECT_NE(client->stderr_text().find("not authorised"), std::string::npos)
        << client->describe();
}

class LoginFlood : public RosterIsolation {
  protected:
    [[nodiscard]] int logins_per_minute() const override { return 1; }
    [[nodiscard]] int login_burst() const override { return 3; }
};

TEST_F(LoginFlood, AnAccountsLoginsBeyondItsRateAreDroppedByTheBroker) {
    // A reader on the server's account (a client ID nobody else owns) sees every login the
    // broker passes on, in the order Alice sent them.
    const std::string reader_id = "cmdlink-server:reader";
    std::string password = read_text(out() / "server-password");
    if (!password.empty() && password.back() == '\n') password.pop_back();
    auto reader = RawDevice::connect(port(), reader_id, {"cmdlink-server", password, false});
    ASSERT_TRUE(reader.ok()) << reader.error();
    const std::string alice_session = pooled_ids(kAlice.user_id).at(0);
    const std::string barrier = alice_session + "/BARRIER";
    ASSERT_TRUE(reader.value()->subscribe("login", 1).ok());
    ASSERT_TRUE(reader.value()->subscribe(alice_session + "/+", 1).ok());

    auto alice = connect(kAlice);
    ASSERT_NE(alice, nullptr);
    for (int i = 0; i < kFlood; ++i) {
        ASSERT_TRUE(alice->publish("login", kAlice.user_id, 1).ok());
    }
    ASSERT_TRUE(alice->publish(barrier, "end", 1).ok());
    ASSERT_TRUE(alice->wait_published().ok());
    const auto& received = reader.value()->received();
    ASSERT_TRUE(reader.value()->run_until(
        [&] { return !received.empty() && received.back().topic == barrier; }, kWaitLimit));
    int logins = 0;
    for (const RawMessage& message : received) {
        if (message.topic == "login") ++logins;
    }
    // The burst of 3, and one token more should the flood have lasted over a minute.
    EXPECT_GE(logins, 3);
    EXPECT_LE(logins, 4);

    // Bob's bucket is his own.
    auto bob = connect(kBob);
    ASSERT_NE(bob, nullptr);
    ASSERT_TRUE(bob->publish("login", kBob.user_id, 1).ok());
    ASSERT_TRUE(bob->wait_published().ok());
    ASSERT_TRUE(reader.value()->run_until(
        [&] { return received.back().topic == "login" && received.back().payload == kBob.user_id; },
        kWaitLimit));
    EXPECT_NE(broker_log(broker()).find("cmdlink_auth: denied a login from account "
                                        "'alice@example.org': more logins than the account's "
                                        "rate allows"),
              std::string::npos)
        << broker_log(broker());
}

// The broker refuses to start on a plugin option or account map it cannot use, naming it.
class LoginPluginLoad : public ProcessTest {
  protected:
    static std::string start_error(const broker::RosterSecurity& security) {
        broker::BrokerOptions options;
        options.roster = security;
        auto started = broker::PrivateBroker::start(options);
        EXPECT_FALSE(started.ok()) << "the broker started";
        return started.ok() ? "" : started.error();
    }
    broker::RosterSecurity roster_security(const std::filesystem::path& map) {
        broker::RosterSecurity security;
        security.password_file = write_file("passwords", "");
        security.login_plugin = CMDLINK_LOGIN_PLUGIN;
        security.account_map = map;
        return security;
    }
};

TEST_F(LoginPluginLoad, ABadOptionKeepsTheBrokerFromStarting) {
    broker::RosterSecurity bad =
        roster_security(write_file("accounts", "server\tcmdlink-server\n"));
    bad.login_burst = 0;
    const std::string error = start_error(bad);
    EXPECT_NE(error.find("cmdlink_auth: cannot start: plugin_opt_login_burst '0'"),
              std::string::npos)
        << error;
}

TEST_F(LoginPluginLoad, AMissingAccountMapKeepsTheBrokerFromStarting) {
    const std::string error = start_error(roster_security(workspace() / "no-such-accounts"));
    EXPECT_NE(error.find("cmdlink_auth: cannot start: cannot read the account map"),
              std::string::npos)
        << error;
}

}  // namespace
}  // namespace cmdlink::integration
