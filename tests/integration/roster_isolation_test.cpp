// Students with their own accounts on a broker set up by `cmdlink broker-config --roster`
// (docs/isolation.md): each reads and answers only its own sessions, however it tries.
#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "broker/roster_setup.hpp"
#include "broker/text_file.hpp"
#include "core/protocol.hpp"
#include "exchange_checks.hpp"
#include "integration_support.hpp"
#include "net/mosquitto_library.hpp"
#include "raw_device.hpp"

namespace cmdlink::integration {
namespace {

constexpr int kRefused = 128;  // the SUBACK code of a subscription the broker refused
// The server's pause between a session ID and its commands. The broker drops a student's
// connection when the server grants it a session; the student must be back and subscribed
// to the session topic before the commands go out, or it never gets them. Generous, because
// the machine running the tests may be busy; it bounds nothing that is asserted.
const std::string kDelay = "2";

struct Student {
    std::string username;
    std::string password;
    std::string user_id;
};

const Student kAlice{"alice@example.org", "alice-secret", "1001"};
const Student kBob{"bob@example.org", "bob-secret", "1002"};

class RosterIsolation : public BrokerTest {
  protected:
    void SetUp() override {
        auto directory = broker::TempDirectory::create("cmdlink-roster-test-");
        ASSERT_TRUE(directory.ok()) << directory.error();
        setup_.emplace(std::move(directory.value()));
        ASSERT_NO_FATAL_FAILURE(run_broker_config());
        BrokerTest::SetUp();
    }

    // The broker runs with the password file and access rules broker-config wrote.
    [[nodiscard]] broker::BrokerOptions broker_options() const override {
        auto plugin = broker::find_dynsec_plugin();
        EXPECT_TRUE(plugin.ok()) << plugin.error();
        broker::BrokerOptions options;
        options.roster = broker::RosterSecurity{
            .password_file = out() / "passwords",
            .dynsec_plugin = plugin.ok() ? plugin.value() : std::filesystem::path(),
            .dynsec_config = out() / "dynamic-security.json"};
        return options;
    }

    CmdlinkProcess* start_roster_server(const std::vector<std::string>& flags) {
        std::vector<std::string> all = {"--username", "cmdlink-server", "--password-file",
                                        (out() / "server-password").string(), "--grant-sessions"};
        all.insert(all.end(), flags.begin(), flags.end());
        return start_server(all);
    }

    // A device of the student's own, with a persistent session: the broker drops it once
    // when the server grants it a session.
    std::unique_ptr<RawDevice> connect(const Student& student) {
        auto device = RawDevice::connect(port(), "raw-" + student.user_id,
                                         {student.username, student.password, true});
        if (!device) {
            ADD_FAILURE() << device.error();
            return nullptr;
        }
        return std::move(device.value());
    }

    CmdlinkProcess* start_student_client(const Student& student) {
        const auto password = write_file(student.user_id + ".password", student.password);
        return start_client(student.user_id, {"--username", student.username, "--password-file",
                                              password.string(), "--idle-timeout", "20"});
    }

    // The replies the server judged for `session_id`.
    static std::vector<Json> replies_for(const CmdlinkProcess& server,
                                         const std::string& session_id) {
        std::vector<Json> replies;
        for (const Json& reply : server.events("reply")) {
            if (reply.value("session_id", "") == session_id) replies.push_back(reply);
        }
        return replies;
    }

    [[nodiscard]] std::filesystem::path out() const { return setup_->path() / "out"; }

    net::MosquittoLibrary library_;

  private:
    void run_broker_config() {
        const auto roster = setup_->path() / "roster.csv";
        std::string text = "username,password,user_id\n";
        for (const Student& student : {kAlice, kBob}) {
            text += student.username + "," + student.password + "," + student.user_id + "\n";
        }
        ASSERT_TRUE(broker::write_text_file(roster, text).ok());
        const auto output = setup_->path() / "broker-config.out";
        auto child = broker::ChildProcess::spawn(
            cmdlink_binary(),
            {"broker-config", "--roster", roster.string(), "--out", out().string()}, output);
        ASSERT_TRUE(child.ok()) << child.error();
        auto exited = child.value().wait_for_exit(kWaitLimit);
        ASSERT_TRUE(exited.ok() && exited.value().has_value()) << read_text(output);
        ASSERT_EQ(*exited.value(), 0) << read_text(output);
    }

    std::optional<broker::TempDirectory> setup_;
};

TEST_F(RosterIsolation, AStudentReceivesNothingOfAnotherStudentsSession) {
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

    bob->on_message([&](const RawMessage& message) {
        if (message.topic != bob_session.value() || message.payload == core::kWellDone) return;
        EXPECT_TRUE(bob->publish(bob_session.value() + "/" + message.payload,
                                 default_reply(message.payload), message.qos)
                        .ok());
    });
    const auto bob_done = [&] {
        for (const RawMessage& message : bob->received()) {
            if (message.payload == core::kWellDone) return true;
        }
        return false;
    };
    ASSERT_TRUE(bob->run_until(bob_done, kWaitLimit)) << server->describe();

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

TEST_F(RosterIsolation, AReplyForAnotherStudentsSessionIsNeverCounted) {
    CmdlinkProcess* server = start_roster_server(
        {"--qos", "2", "--commands", "3", "--delay", kDelay, "--stop-after", "1"});
    ASSERT_NE(server, nullptr);
    auto bob = connect(kBob);
    ASSERT_NE(bob, nullptr);
    auto bob_session = bob->log_in(kBob.user_id);
    ASSERT_TRUE(bob_session.ok()) << bob_session.error();
    std::vector<std::string> commands;
    ASSERT_TRUE(bob->run_until(
        [&] {
            commands.clear();
            for (const RawMessage& message : bob->received()) {
                if (message.topic == bob_session.value()) commands.push_back(message.payload);
            }
            return commands.size() == 3;
        },
        kWaitLimit))
        << server->describe();

    // Alice, handed Bob's session ID, answers his commands correctly, at QoS 1; the broker
    // acknowledges her publishes (MQTT 3.1.1 cannot refuse one) but must drop them.
    auto alice = connect(kAlice);
    ASSERT_NE(alice, nullptr);
    for (const std::string& command : commands) {
        ASSERT_TRUE(
            alice->publish(bob_session.value() + "/" + command, default_reply(command), 1).ok());
    }
    ASSERT_TRUE(alice->wait_published().ok());

    // Only now does Bob answer, at QoS 2: had any of Alice's replies reached the server, it
    // would come first, at QoS 1, and Bob's would be surplus or after the end.
    for (const std::string& command : commands) {
        ASSERT_TRUE(
            bob->publish(bob_session.value() + "/" + command, default_reply(command), 2).ok());
    }
    ASSERT_TRUE(bob->wait_published().ok());
    ASSERT_EQ(server->wait_for_exit(), 0) << server->describe();

    const auto replies = replies_for(*server, bob_session.value());
    EXPECT_EQ(replies.size(), 3U) << server->describe();
    for (const Json& reply : replies) {
        EXPECT_EQ(reply.value("qos", -1), 2) << reply.dump();
        EXPECT_EQ(reply.value("verdict", ""), "correct") << reply.dump();
    }
    const auto ended = server->events("session_end");
    ASSERT_EQ(ended.size(), 1U) << server->describe();
    EXPECT_EQ(ended[0].value("outcome", ""), "passed") << ended[0].dump();
    EXPECT_EQ(ended[0].value("correct", -1), 3) << ended[0].dump();
    EXPECT_EQ(ended[0].value("low_qos", -1), 0) << ended[0].dump();
    EXPECT_EQ(ended[0].value("surplus", -1), 0) << ended[0].dump();
}

TEST_F(RosterIsolation, StudentsWithTheirOwnAccountsBothPass) {
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

TEST_F(RosterIsolation, ALoginWithAnotherStudentsIdBringsNoSessionId) {
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
                                   "carol,pw,1001\n");
    const auto out = workspace() / "out";
    CmdlinkProcess* config = run_cmdlink(
        "broker-config", {"broker-config", "--roster", roster.string(), "--out", out.string()});
    ASSERT_NE(config, nullptr);
    EXPECT_EQ(config->wait_for_exit(), 2) << config->describe();
    const std::string errors = config->stderr_text();
    EXPECT_NE(errors.find("roster line 3: the password is empty"), std::string::npos) << errors;
    EXPECT_NE(errors.find("roster line 4: user ID '1001' is already on line 2"), std::string::npos)
        << errors;
    EXPECT_FALSE(std::filesystem::exists(out));
}

}  // namespace
}  // namespace cmdlink::integration
