// Students with their own accounts on a broker set up by `cmdlink broker-config --roster`
// in its default pool mode (docs/isolation.md): static acl_file rules name each student's
// pooled session IDs, the server issues only those, and nobody is ever disconnected.
#include <cstdlib>
#include <filesystem>

#include "roster_fixture.hpp"

namespace cmdlink::integration {
namespace {

const std::string kExhausted =
    "no session IDs left for this user: regenerate the broker config with more "
    "--sessions-per-student";

using PoolRosterIsolation = RosterIsolation;

// Logs `student` in on `device` and runs the whole exchange; the value is the session ID.
core::Result<std::string> pass_session(RawDevice& device, const Student& student) {
    auto session = device.log_in(student.user_id);
    if (!session) return session;
    return finish_session(device, session.value());
}

TEST_F(PoolRosterIsolation, AStudentReceivesNothingOfAnotherStudentsSession) {
    CmdlinkProcess* server = start_roster_server({"--delay", kDelay, "--qos", "2"});
    ASSERT_NE(server, nullptr);
    auto alice = connect(kAlice);
    ASSERT_NE(alice, nullptr);
    // An acl_file grants these subscriptions; what matters is that nothing is delivered
    // through them, since mosquitto checks every message against the read rules again.
    for (const std::string filter : {"1002/UUID", "+/UUID", "#", "+", "+/+", "$share/g/+"}) {
        ASSERT_TRUE(alice->subscribe(filter, 2).ok());
    }
    auto bob = connect(kBob);
    ASSERT_NE(bob, nullptr);
    auto bob_session = bob->log_in(kBob.user_id);
    ASSERT_TRUE(bob_session.ok()) << bob_session.error();
    EXPECT_EQ(bob_session.value(), pooled_ids(kBob.user_id).at(0));
    // Knowing the session ID does not help Alice either (the server waits kDelay with the
    // commands, so this subscription comes before them).
    ASSERT_TRUE(alice->subscribe(bob_session.value(), 2).ok());

    ASSERT_TRUE(finish_session(*bob, bob_session.value()).ok()) << server->describe();

    // Alice's own login is a barrier: the broker delivers to her in order, so whatever it
    // had for her from Bob's session would arrive before her own session ID.
    auto alice_session = alice->log_in(kAlice.user_id);
    ASSERT_TRUE(alice_session.ok()) << alice_session.error();
    ASSERT_FALSE(alice->received().empty());
    for (const RawMessage& message : alice->received()) {
        EXPECT_TRUE(message.topic == kAlice.user_id + "/UUID" ||
                    message.topic == alice_session.value())
            << message.topic << " " << message.payload;
        EXPECT_NE(message.payload, bob_session.value());
    }
    EXPECT_EQ(alice->reconnects(), 0);
    EXPECT_EQ(bob->reconnects(), 0);
    EXPECT_EQ(server->stop(), 0) << server->describe();
}

TEST_F(PoolRosterIsolation, AReplyForAnotherStudentsSessionIsNeverCounted) {
    expect_a_reply_for_another_students_session_is_never_counted();
}

TEST_F(PoolRosterIsolation, StudentsWithTheirOwnAccountsBothPass) {
    CmdlinkProcess* server = start_roster_server({"--delay", kDelay, "--stop-after", "2"});
    ASSERT_NE(server, nullptr);
    CmdlinkProcess* alice = start_student_client(kAlice);
    CmdlinkProcess* bob = start_student_client(kBob);
    ASSERT_NE(alice, nullptr);
    ASSERT_NE(bob, nullptr);
    EXPECT_EQ(expect_client_passed(*alice), pooled_ids(kAlice.user_id).at(0));
    EXPECT_EQ(expect_client_passed(*bob), pooled_ids(kBob.user_id).at(0));
    expect_server_sessions_passed(*server, 2, std::nullopt);
    EXPECT_TRUE(server->events("ignored").empty()) << server->describe();
}

TEST_F(PoolRosterIsolation, ACleanSessionClientThatNeverReconnectsPasses) {
    CmdlinkProcess* server = start_roster_server({"--delay", kDelay, "--stop-after", "1"});
    ASSERT_NE(server, nullptr);
    auto alice = connect(kAlice, false);
    ASSERT_NE(alice, nullptr);
    auto session = pass_session(*alice, kAlice);
    ASSERT_TRUE(session.ok()) << session.error() << server->describe();
    // Had the broker dropped her, the clean-session device would have lost its subscriptions
    // and never heard the end.
    EXPECT_EQ(alice->reconnects(), 0);
    expect_server_sessions_passed(*server, 1, std::nullopt);
}

// paho-mqtt's default: a clean session, no resubscribe or new login after a reconnect.
TEST_F(PoolRosterIsolation, ThePahoPeerWithACleanSessionPasses) {
    const std::filesystem::path python = "/usr/bin/python3";
    const std::filesystem::path peer =
        std::filesystem::path(CMDLINK_SOURCE_DIR) / "bench" / "python_peer.py";
    if (std::system("/usr/bin/python3 -c 'import paho.mqtt' 2>/dev/null") != 0) {
        GTEST_SKIP() << "needs Debian's python3-paho-mqtt";
    }
    CmdlinkProcess* server = start_roster_server({"--delay", kDelay, "--stop-after", "1"});
    ASSERT_NE(server, nullptr);
    const auto password = write_file("alice.password", kAlice.password);
    const auto output = workspace() / "python_peer.out";
    auto child = broker::ChildProcess::spawn(
        python, {peer.string(), port_text(), kAlice.user_id, kAlice.username, password.string()},
        output);
    ASSERT_TRUE(child.ok()) << child.error();
    auto exited = child.value().wait_for_exit(kWaitLimit);
    ASSERT_TRUE(exited.ok()) << exited.error();
    ASSERT_TRUE(exited.value().has_value()) << "the peer never got its Well done\n"
                                            << read_text(output) << server->describe();
    EXPECT_EQ(*exited.value(), 0) << read_text(output);
    expect_server_sessions_passed(*server, 1, std::nullopt);
    EXPECT_EQ(server->events("session").at(0).value("session_id", ""),
              pooled_ids(kAlice.user_id).at(0));
}

// Only a broker without the login plugin lets a student publish a user ID not its own.
class PoolWithoutLoginBinding : public RosterIsolation {
  protected:
    [[nodiscard]] bool bind_logins() const override { return false; }
};

TEST_F(PoolWithoutLoginBinding, LoginsOfUnknownUsersAreRefusedWithTheirReason) {
    CmdlinkProcess* server = start_roster_server({"--delay", kDelay});
    ASSERT_NE(server, nullptr);
    auto alice = connect(kAlice);
    ASSERT_NE(alice, nullptr);
    ASSERT_TRUE(alice->publish("login", "9999", 2).ok());
    ASSERT_TRUE(alice->wait_published().ok());
    const auto refused = [&] { return !server->events("login_refused").empty(); };
    ASSERT_TRUE(wait_until(refused, kWaitLimit)) << server->describe();
    const Json event = server->events("login_refused").at(0);
    EXPECT_EQ(event.value("user_id", ""), "9999");
    EXPECT_EQ(event.value("reason", ""), "not in the roster");
    EXPECT_TRUE(server->events("session").empty()) << server->describe();
    EXPECT_EQ(server->stop(), 0) << server->describe();
}

class TwoSessionPool : public RosterIsolation {
  protected:
    [[nodiscard]] int sessions_per_student() const override { return 2; }
};

TEST_F(TwoSessionPool, ARestartedServerNeverReissuesAnIdAndRefusesOnceThePoolIsUsedUp) {
    const std::vector<std::string> ids = pooled_ids(kAlice.user_id);
    ASSERT_EQ(ids.size(), 2U);
    // Each run is a new server process on the same ledger, which alone remembers the IDs.
    for (const std::string& expected : ids) {
        CmdlinkProcess* server = start_roster_server({"--delay", kDelay, "--stop-after", "1"});
        ASSERT_NE(server, nullptr);
        auto alice = connect(kAlice, false);
        ASSERT_NE(alice, nullptr);
        auto session = pass_session(*alice, kAlice);
        ASSERT_TRUE(session.ok()) << session.error() << server->describe();
        EXPECT_EQ(session.value(), expected);
        ASSERT_EQ(server->wait_for_exit(), 0) << server->describe();
    }
    CmdlinkProcess* server = start_roster_server({"--delay", kDelay});
    ASSERT_NE(server, nullptr);
    auto alice = connect(kAlice, false);
    ASSERT_NE(alice, nullptr);
    ASSERT_TRUE(alice->publish("login", kAlice.user_id, 2).ok());
    ASSERT_TRUE(alice->wait_published().ok());
    const auto refused = [&] { return !server->events("login_refused").empty(); };
    ASSERT_TRUE(wait_until(refused, kWaitLimit)) << server->describe();
    EXPECT_EQ(server->events("login_refused").at(0).value("reason", ""), kExhausted);
    EXPECT_TRUE(server->events("session").empty()) << server->describe();
    EXPECT_EQ(server->stop(), 0) << server->describe();
}

}  // namespace
}  // namespace cmdlink::integration
