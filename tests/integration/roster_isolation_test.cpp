// Students with their own accounts on a broker set up by `cmdlink broker-config --roster
// --dynamic-security` (docs/isolation.md): each reads and answers only its own sessions,
// however it tries, with the server granting each session through the plugin.
#include "roster_fixture.hpp"

namespace cmdlink::integration {
namespace {

class DynsecRosterIsolation : public RosterIsolation {
  protected:
    [[nodiscard]] bool dynamic_security() const override { return true; }
};

TEST_F(DynsecRosterIsolation, AStudentReceivesNothingOfAnotherStudentsSession) {
    CmdlinkProcess* server = start_roster_server({"--delay", kDelay, "--qos", "2"});
    ASSERT_NE(server, nullptr);
    auto alice = connect(kAlice);
    ASSERT_NE(alice, nullptr);
    // Every filter that would cover Bob's session ID or commands is refused outright.
    for (const std::string filter : {"1002/UUID", "+/UUID", "#", "+", "+/+", "$share/g/+"}) {
        ASSERT_TRUE(alice->subscribe(filter, 2).ok());
        EXPECT_EQ(alice->last_granted_qos(), kRefused) << filter;
    }

    auto bob = connect(kBob);
    ASSERT_NE(bob, nullptr);
    auto bob_session = bob->log_in(kBob.user_id);
    ASSERT_TRUE(bob_session.ok()) << bob_session.error();
    // Knowing the session ID does not help Alice either (the server waits kDelay with the
    // commands, so this subscription comes before them).
    ASSERT_TRUE(alice->subscribe(bob_session.value(), 2).ok());
    EXPECT_EQ(alice->last_granted_qos(), kRefused);

    ASSERT_TRUE(finish_session(*bob, bob_session.value()).ok()) << server->describe();

    // Alice's own login is a barrier: the broker delivers to her in order, so whatever it
    // had for her from Bob's session would arrive before her own session ID.
    auto alice_session = alice->log_in(kAlice.user_id);
    ASSERT_TRUE(alice_session.ok()) << alice_session.error();
    for (const RawMessage& message : alice->received()) {
        EXPECT_EQ(message.topic, kAlice.user_id + "/UUID") << message.payload;
        EXPECT_NE(message.payload, bob_session.value());
    }
    EXPECT_EQ(server->stop(), 0) << server->describe();
}

TEST_F(DynsecRosterIsolation, AReplyForAnotherStudentsSessionIsNeverCounted) {
    expect_a_reply_for_another_students_session_is_never_counted();
}

TEST_F(DynsecRosterIsolation, StudentsWithTheirOwnAccountsBothPass) {
    CmdlinkProcess* server = start_roster_server({"--delay", kDelay, "--stop-after", "2"});
    ASSERT_NE(server, nullptr);
    CmdlinkProcess* alice = start_student_client(kAlice);
    CmdlinkProcess* bob = start_student_client(kBob);
    ASSERT_NE(alice, nullptr);
    ASSERT_NE(bob, nullptr);
    const std::string alice_session = expect_client_passed(*alice);
    const std::string bob_session = expect_client_passed(*bob);
    EXPECT_NE(alice_session, bob_session);
    expect_server_sessions_passed(*server, 2, std::nullopt);
    // Both grants went through.
    EXPECT_TRUE(server->events("ignored").empty()) << server->describe();
}

// What dynamic security alone does with a forged login, on a broker without the login
// plugin (with it, the forged logins never reach the server: login_binding_test.cpp).
class DynsecWithoutLoginBinding : public DynsecRosterIsolation {
  protected:
    [[nodiscard]] bool bind_logins() const override { return false; }
};

TEST_F(DynsecWithoutLoginBinding, ALoginWithAnotherStudentsIdBringsNoSessionId) {
    CmdlinkProcess* server = start_roster_server({"--delay", kDelay});
    ASSERT_NE(server, nullptr);
    auto alice = connect(kAlice);
    ASSERT_NE(alice, nullptr);
    ASSERT_TRUE(alice->subscribe(kBob.user_id + "/UUID", 2).ok());
    EXPECT_EQ(alice->last_granted_qos(), kRefused);
    // Bob's ID, and one that is on no roster line: the server issues both sessions, but
    // grants them to nobody Alice can be.
    for (const std::string& user_id : {kBob.user_id, std::string("9999")}) {
        ASSERT_TRUE(alice->publish("login", user_id, 2).ok());
    }
    ASSERT_TRUE(alice->wait_published().ok());
    EXPECT_TRUE(wait_until([&] { return server->events("session").size() >= 2; }, kWaitLimit))
        << server->describe();
    // The plugin refuses the grant for the ID on no roster line, and the server says so.
    const auto refused = [&] {
        for (const Json& ignored : server->events("ignored")) {
            if (ignored.value("reason", "").find("addGroupRole: Group not found") !=
                std::string::npos) {
                return true;
            }
        }
        return false;
    };
    EXPECT_TRUE(wait_until(refused, kWaitLimit)) << server->describe();

    auto alice_session = alice->log_in(kAlice.user_id);
    ASSERT_TRUE(alice_session.ok()) << alice_session.error();
    for (const RawMessage& message : alice->received()) {
        EXPECT_EQ(message.topic, kAlice.user_id + "/UUID") << message.payload;
    }
    EXPECT_TRUE(server->running()) << server->describe();
    EXPECT_EQ(server->stop(), 0) << server->describe();
}

class BrokerConfig : public ProcessTest {};

TEST_F(BrokerConfig, ABadRosterIsReportedLineByLineAndNothingIsWritten) {
    const auto roster = write_file("roster.csv",
                                   "username,password,user_id\n"
                                   "alice,pw,1001\n"
                                   "bob,,1002\n"
                                   "alice,pw,1003\n");
    const auto out = workspace() / "out";
    CmdlinkProcess* config =
        run_cmdlink("broker-config", {"broker-config", "--roster", roster.string(), "--out",
                                      out.string(), "--roster-passwords"});
    ASSERT_NE(config, nullptr);
    EXPECT_EQ(config->wait_for_exit(), 2) << config->describe();
    const std::string errors = config->stderr_text();
    EXPECT_NE(errors.find("roster line 3: the password is empty"), std::string::npos) << errors;
    EXPECT_NE(errors.find("roster line 4: user name 'alice' is already on line 2"),
              std::string::npos)
        << errors;
    EXPECT_FALSE(std::filesystem::exists(out));
}

}  // namespace
}  // namespace cmdlink::integration
