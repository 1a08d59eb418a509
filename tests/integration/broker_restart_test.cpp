// The broker goes down in the middle of a session and comes back on the same port with its
// persistence database: both programs reconnect with their persistent sessions and finish.
#include <gtest/gtest.h>

#include <iostream>
#include <string>
#include <vector>

#include "broker/broker_config.hpp"
#include "broker_log_checks.hpp"
#include "integration_support.hpp"

namespace cmdlink::integration {
namespace {

// Enough lockstep commands that the session is still running when the broker restarts.
constexpr int kCommands = 3000;
// Replies the server must have checked before the broker is restarted.
constexpr std::size_t kRepliesBeforeRestart = 100;

class BrokerRestart : public BrokerTest {
  protected:
    [[nodiscard]] broker::BrokerOptions broker_options() const override {
        broker::BrokerOptions options;
        options.persistence = true;
        // Every packet in the log, to tell a duplicate the broker made from one of ours.
        options.verbose_log = true;
        return options;
    }

    // The scenario, again on a fresh broker while the broker itself breaks exactly-once
    // delivery (see qos2_publishes_resent_after_pubrel): that says nothing about cmdlink.
    void restart_mid_session(int qos) {
        constexpr int kAttempts = 5;
        std::string broker_fault;
        for (int attempt = 1; attempt <= kAttempts; ++attempt) {
            if (attempt > 1) {
                std::cerr << "attempt " << attempt << " on a fresh broker; the previous broker "
                          << "made a QoS 2 duplicate: " << broker_fault << "\n";
                replace_broker();
                ASSERT_FALSE(HasFatalFailure());
            }
            broker_fault.clear();
            run_once(qos, broker_fault);
            if (HasFatalFailure() || broker_fault.empty()) return;
        }
        GTEST_SKIP() << "the broker made a QoS 2 duplicate in every attempt: " << broker_fault;
    }

    // One broker restart mid-session. `broker_fault` is set (and nothing more checked) when
    // the broker itself re-sent a QoS 2 PUBLISH after its PUBREL.
    void run_once(int qos, std::string& broker_fault) {
        CmdlinkProcess* server =
            start_server({"--pacing", "lockstep", "--commands", std::to_string(kCommands), "--qos",
                          std::to_string(qos), "--delay", "0.1", "--session-timeout", "90",
                          "--stop-after", "1"});
        ASSERT_NE(server, nullptr);
        CmdlinkProcess* client = start_client("restarted", {"--idle-timeout", "60"});
        ASSERT_NE(client, nullptr);

        ASSERT_TRUE(wait_until(
            [&] {
                return server->events("reply").size() >= kRepliesBeforeRestart ||
                       !server->running() || !client->running();
            },
            kWaitLimit))
            << "the server never checked " << kRepliesBeforeRestart << " replies";
        ASSERT_TRUE(server->events("session_end").empty() && client->running())
            << "the session ended before the broker could be restarted; raise kCommands";

        auto stopped = broker().stop();
        ASSERT_TRUE(stopped.ok()) << stopped.error();
        ASSERT_TRUE(stopped.value()) << "the broker did not exit cleanly";
        // The restart must have fallen in the session, not after it.
        ASSERT_TRUE(server->events("session_end").empty())
            << "the session ended before the broker stopped; raise kCommands";
        auto restarted = broker().restart();
        ASSERT_TRUE(restarted.ok()) << restarted.error();

        const auto client_exit = client->wait_for_exit(std::chrono::milliseconds(100000));
        EXPECT_EQ(client_exit, 0) << client->describe();
        const auto server_exit = server->wait_for_exit();
        EXPECT_EQ(server_exit, 0) << server->describe();

        // The client saw the connection go and come back.
        EXPECT_FALSE(client->events("reconnect").empty()) << client->describe();
        const auto client_summaries = client->events("summary");
        ASSERT_EQ(client_summaries.size(), 1U) << client->describe();
        EXPECT_EQ(client_summaries[0].value("outcome", ""), "passed");
        EXPECT_GE(client_summaries[0].value("reconnects", 0), 1);

        const auto ended = server->events("session_end");
        ASSERT_EQ(ended.size(), 1U) << server->describe();
        EXPECT_EQ(ended[0].value("outcome", ""), "passed") << ended[0].dump();
        EXPECT_EQ(ended[0].value("commands", -1), kCommands) << ended[0].dump();
        EXPECT_EQ(ended[0].value("correct", -1), kCommands) << ended[0].dump();
        EXPECT_EQ(ended[0].value("wrong", -1), 0) << ended[0].dump();
        EXPECT_EQ(ended[0].value("low_qos", -1), 0) << ended[0].dump();
        if (qos == 2 && ended[0].value("surplus", -1) != 0) {
            const auto violations = qos2_publishes_resent_after_pubrel(
                read_text(broker::BrokerFiles::in(broker().directory()).log));
            if (violations.size() >= static_cast<std::size_t>(ended[0].value("surplus", 0))) {
                broker_fault = violations.front().line;
                return;
            }
        }
        for (const Json& reply : server->events("reply")) {
            const std::string verdict = reply.value("verdict", "");
            // At QoS 1 a command may arrive twice after the reconnect, and be answered twice.
            if (qos == 1 && verdict == "surplus") continue;
            EXPECT_EQ(verdict, "correct") << reply.dump();
        }
        if (qos == 2) {
            // Exactly once: no command delivered twice, no reply sent twice.
            EXPECT_EQ(ended[0].value("surplus", -1), 0) << ended[0].dump();
            EXPECT_EQ(client_summaries[0].value("commands", -1), kCommands);
            EXPECT_EQ(client_summaries[0].value("replies", -1), kCommands);
        }
    }
};

TEST_F(BrokerRestart, SessionSurvivesBrokerRestartAtQos1) {
    restart_mid_session(1);
}

TEST_F(BrokerRestart, SessionSurvivesBrokerRestartAtQos2WithoutDuplicates) {
    restart_mid_session(2);
}

}  // namespace
}  // namespace cmdlink::integration
