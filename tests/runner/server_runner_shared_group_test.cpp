// ServerRunner in a shared group, on a real Mosquitto: the logins come through the login link
// (a clean-session connection of its own), the sessions through the persistent connection.
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "runner/client_runner.hpp"
#include "runner/os_random.hpp"
#include "runner/server_runner.hpp"
#include "runner_on_a_broker.hpp"

namespace cmdlink::runner {
namespace {

using namespace std::chrono_literals;

class Recorder final : public ServerObserver {
  public:
    void on_connected(const ServerRunner& /*runner*/, bool /*first*/,
                      bool /*session_present*/) override {
        ++connected;
        if (on_connected_) on_connected_();
    }
    void on_connection_lost(const ServerRunner& /*runner*/, std::string_view /*reason*/) override {
        ++lost;
    }
    void on_server_event(const ServerRunner& runner, const core::ServerEvent& event) override {
        if (const auto* issued = std::get_if<core::server_event::SessionIssued>(&event)) {
            ++issued_sessions;
            // No ledger here: the ID may go out at once.
            if (member == &runner) member->announce(issued->session_id);
        }
    }
    void on_stopped(const ServerRunner& /*runner*/, std::string_view why) override {
        ++stopped;
        reason = std::string(why);
        if (on_stop) on_stop();
    }
    void on_ready(const ServerRunner& /*runner*/) override {
        ++ready;
        if (on_ready_) on_ready_();
    }
    void on_shared_group_refused(const ServerRunner& /*runner*/, std::string_view why) override {
        refusal = std::string(why);
    }

    int connected = 0;
    int lost = 0;
    int issued_sessions = 0;
    int stopped = 0;
    int ready = 0;
    std::string reason;
    std::string refusal;
    ServerRunner* member = nullptr;
    std::function<void()> on_stop;
    std::function<void()> on_ready_;
    std::function<void()> on_connected_;
};

class Finisher final : public ClientObserver {
  public:
    void on_connected(const ClientRunner& /*runner*/, bool /*first*/,
                      bool /*session_present*/) override {}
    void on_connection_lost(const ClientRunner& /*runner*/, std::string_view /*reason*/) override {}
    void on_session_event(const ClientRunner& /*runner*/,
                          const core::ClientEvent& /*event*/) override {}
    void on_finished(const ClientRunner& /*runner*/) override {
        if (on_finish) on_finish();
    }
    std::function<void()> on_finish;
};

class GroupRunnerTest : public RunnerOnABroker {
  protected:
    std::unique_ptr<ServerRunner> make_member(const std::string& client_id) {
        core::ServerPolicy policy;
        policy.login_subscription = "$share/g/login";
        policy.replies = core::ReplySubscription::kPerSession;
        policy.delay = 200ms;
        auto created =
            ServerRunner::create(*loop_, mqtt(client_id), std::move(policy), random_, recorder_);
        EXPECT_TRUE(created) << created.error();
        return created ? std::move(created.value()) : nullptr;
    }

    OsRandom random_;
    Recorder recorder_;
    Finisher finisher_;
};

TEST_F(GroupRunnerTest, AMemberIssuesASessionForALoginThatCameThroughItsLoginLink) {
    std::unique_ptr<ServerRunner> member = make_member("runner-member");
    ASSERT_NE(member, nullptr);
    std::unique_ptr<ClientRunner> client;
    recorder_.on_ready_ = [&] {
        if (client) return;
        core::ClientOptions options;
        options.user_id = "30010";
        auto created = ClientRunner::create(*loop_, mqtt("runner-device"), options, finisher_);
        ASSERT_TRUE(created) << created.error();
        client = std::move(created.value());
        ASSERT_TRUE(client->start());
    };
    recorder_.member = member.get();
    finisher_.on_finish = [&] { member->stop(); };
    recorder_.on_stop = [&] { loop_->stop(); };
    ASSERT_TRUE(member->start());
    run();
    ASSERT_NE(client, nullptr);
    EXPECT_EQ(client->end(), ClientEnd::kPassed) << client->end_message();
    EXPECT_EQ(recorder_.issued_sessions, 1);
    EXPECT_EQ(recorder_.ready, 1);
    EXPECT_EQ(recorder_.stopped, 1);
    EXPECT_TRUE(recorder_.refusal.empty()) << recorder_.refusal;
}

TEST_F(GroupRunnerTest, AMemberStoppedWhileItProbesTheBrokerStopsOnce) {
    std::unique_ptr<ServerRunner> member = make_member("runner-early-stop");
    ASSERT_NE(member, nullptr);
    // Armed when the session connection is up, it fires in the same turn of the loop: the
    // probe's connections have only just been opened, none of their answers is read yet.
    net::Timer stopper(*loop_, [&] { member->stop(); });
    recorder_.on_connected_ = [&] { stopper.arm(loop_->now()); };
    recorder_.on_stop = [&] { loop_->stop(); };
    ASSERT_TRUE(member->start());
    run();
    EXPECT_EQ(recorder_.stopped, 1);
    EXPECT_EQ(recorder_.ready, 0);
    EXPECT_TRUE(member->stopped());
}

}  // namespace
}  // namespace cmdlink::runner
