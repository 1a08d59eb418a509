#pragma once

// A broker set up by `cmdlink broker-config --roster` (docs/isolation.md) for two students,
// in the mode a test fixture picks: session pools (the default) or dynamic security.
#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "broker/roster_setup.hpp"
#include "core/protocol.hpp"
#include "exchange_checks.hpp"
#include "integration_support.hpp"
#include "isolation/session_pool_file.hpp"
#include "net/mosquitto_library.hpp"
#include "os/text_file.hpp"
#include "raw_device.hpp"

namespace cmdlink::integration {

inline constexpr int kRefused = 128;  // the SUBACK code of a subscription the broker refused
// The server's pause between a session ID and its commands. With dynamic security the broker
// drops a student's connection when the server grants it a session; the student must be back
// and subscribed to the session topic before the commands go out, or it never gets them.
// Generous, because the machine running the tests may be busy; it bounds nothing asserted.
inline const std::string kDelay = "2";

struct Student {
    std::string username;
    std::string password;
    std::string user_id;
};

inline const Student kAlice{"alice@example.org", "alice-secret", "1001"};
inline const Student kBob{"bob@example.org", "bob-secret", "1002"};

// Answers every command of session `id` on `device` until the end message; the value is `id`.
inline core::Result<std::string> finish_session(RawDevice& device, const std::string& id) {
    device.on_message([&device, id](const RawMessage& message) {
        if (message.topic != id || message.payload == core::kWellDone) return;
        EXPECT_TRUE(
            device.publish(id + "/" + message.payload, default_reply(message.payload), message.qos)
                .ok());
    });
    const bool done = device.run_until(
        [&] {
            for (const RawMessage& message : device.received()) {
                if (message.topic == id && message.payload == core::kWellDone) return true;
            }
            return false;
        },
        kWaitLimit);
    device.on_message({});
    if (!done) return core::Error{"no Well done for session " + id};
    return id;
}

class RosterIsolation : public BrokerTest {
  protected:
    void SetUp() override {
        auto directory = broker::TempDirectory::create("cmdlink-roster-test-");
        ASSERT_TRUE(directory.ok()) << directory.error();
        setup_.emplace(std::move(directory.value()));
        ASSERT_NO_FATAL_FAILURE(run_broker_config());
        BrokerTest::SetUp();
    }

    // Pool mode unless a fixture says otherwise.
    [[nodiscard]] virtual bool dynamic_security() const { return false; }
    [[nodiscard]] virtual int sessions_per_student() const { return 50; }
    // Whether the broker loads the login plugin, as broker-config's config does; a fixture
    // turns it off to test what the other mechanisms do alone.
    [[nodiscard]] virtual bool bind_logins() const { return true; }
    [[nodiscard]] virtual int logins_per_minute() const { return 30; }
    [[nodiscard]] virtual int login_burst() const { return 10; }

    // The broker runs with the password file and access rules broker-config wrote.
    [[nodiscard]] broker::BrokerOptions broker_options() const override {
        broker::BrokerOptions options;
        broker::RosterSecurity security;
        security.password_file = out() / "passwords";
        if (dynamic_security()) {
            auto plugin = broker::find_dynsec_plugin();
            EXPECT_TRUE(plugin.ok()) << plugin.error();
            security.dynsec_plugin = plugin.ok() ? plugin.value() : std::filesystem::path();
            security.dynsec_config = out() / "dynamic-security.json";
        } else {
            security.acl_file = out() / "acl";
        }
        if (bind_logins()) {
            security.login_plugin = CMDLINK_LOGIN_PLUGIN;
            security.account_map = out() / "accounts";
            security.logins_per_minute = logins_per_minute();
            security.login_burst = login_burst();
        }
        options.roster = security;
        return options;
    }

    CmdlinkProcess* start_roster_server(const std::vector<std::string>& flags) {
        std::vector<std::string> all = {"--username", "cmdlink-server", "--password-file",
                                        (out() / "server-password").string()};
        if (dynamic_security()) {
            all.emplace_back("--grant-sessions");
        } else {
            all.insert(all.end(), {"--session-pool", (out() / "session-pool").string()});
        }
        all.insert(all.end(), flags.begin(), flags.end());
        return start_server(all);
    }

    // A device of the student's own; with dynamic security a persistent session, since the
    // broker drops it once when the server grants it a session.
    std::unique_ptr<RawDevice> connect(const Student& student) {
        return connect(student, dynamic_security());
    }
    std::unique_ptr<RawDevice> connect(const Student& student, bool persistent) {
        // A client ID of the student's own account (`<user name>:...`), so that the login
        // plugin lets it in and it never displaces the student's `cmdlink client`.
        auto device = RawDevice::connect(port(), student.username + ":raw",
                                         {student.username, student.password, persistent});
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

    // The session IDs broker-config pooled for `user_id`, in the order they are issued.
    [[nodiscard]] std::vector<std::string> pooled_ids(const std::string& user_id) const {
        auto pool = isolation::parse_session_pool(read_text(out() / "session-pool"));
        EXPECT_TRUE(pool.ok()) << pool.error();
        std::vector<std::string> ids;
        if (!pool.ok()) return ids;
        for (const core::PooledSessionId& entry : pool.value()) {
            if (entry.user_id == user_id) ids.push_back(entry.session_id);
        }
        return ids;
    }

    net::MosquittoLibrary library_;

    // Alice answers Bob's session before he does; none of her replies may count, whatever
    // the isolation mechanism.
    void expect_a_reply_for_another_students_session_is_never_counted() {
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
                alice->publish(bob_session.value() + "/" + command, default_reply(command), 1)
                    .ok());
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

  private:
    void run_broker_config() {
        const auto roster = setup_->path() / "roster.csv";
        std::string text = "username,password,user_id\n";
        for (const Student& student : {kAlice, kBob}) {
            text += student.username + "," + student.password + "," + student.user_id + "\n";
        }
        ASSERT_TRUE(os::write_text_file(roster, text).ok());
        const auto output = setup_->path() / "broker-config.out";
        std::vector<std::string> arguments = {"broker-config", "--roster",
                                              roster.string(), "--out",
                                              out().string(),  "--roster-passwords"};
        if (dynamic_security()) {
            arguments.emplace_back("--dynamic-security");
        } else {
            arguments.insert(arguments.end(),
                             {"--sessions-per-student", std::to_string(sessions_per_student())});
        }
        arguments.insert(
            arguments.end(),
            {"--login-plugin", CMDLINK_LOGIN_PLUGIN, "--logins-per-minute",
             std::to_string(logins_per_minute()), "--login-burst", std::to_string(login_burst())});
        auto child = broker::ChildProcess::spawn(cmdlink_binary(), arguments, output);
        ASSERT_TRUE(child.ok()) << child.error();
        auto exited = child.value().wait_for_exit(kWaitLimit);
        ASSERT_TRUE(exited.ok() && exited.value().has_value()) << read_text(output);
        ASSERT_EQ(*exited.value(), 0) << read_text(output);
    }

    std::optional<broker::TempDirectory> setup_;
};

}  // namespace cmdlink::integration
