// ClientFleet on a real Mosquitto, against the real server assembly on the same loop.
#include "runner/client_fleet.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "broker/private_broker.hpp"
#include "net/mosquitto_library.hpp"
#include "runner/os_random.hpp"
#include "server/server.hpp"

namespace cmdlink::runner {
namespace {

using namespace std::chrono_literals;

class QuietServer final : public ServerObserver {
  public:
    void on_connected(const ServerRunner& /*runner*/, bool /*first*/,
                      bool /*session_present*/) override {}
    void on_connection_lost(const ServerRunner& /*runner*/, std::string_view /*reason*/) override {}
    void on_server_event(const ServerRunner& /*runner*/,
                         const core::ServerEvent& /*event*/) override {}
    void on_stopped(const ServerRunner& /*runner*/, std::string_view /*reason*/) override {
        if (on_stop) on_stop();
    }
    void on_ready(const ServerRunner& /*runner*/) override {
        if (on_ready_) on_ready_();
    }
    std::function<void()> on_stop;
    std::function<void()> on_ready_;
};

// Counts what the fleet passes on to its watcher.
class Watcher final : public ClientObserver {
  public:
    void on_connected(const ClientRunner& /*runner*/, bool first,
                      bool /*session_present*/) override {
        if (first) ++connected;
        if (on_connect) on_connect();
    }
    void on_connection_lost(const ClientRunner& /*runner*/, std::string_view /*reason*/) override {}
    void on_session_event(const ClientRunner& /*runner*/,
                          const core::ClientEvent& /*event*/) override {
        ++events;
    }
    void on_finished(const ClientRunner& runner) override {
        finished_users.push_back(runner.session().user_id());
    }
    std::function<void()> on_connect;
    int connected = 0;
    int events = 0;
    std::vector<std::string> finished_users;
};

class ClientFleetTest : public ::testing::Test {
  protected:
    void start(broker::BrokerOptions options = {}) {
        auto started = broker::PrivateBroker::start(std::move(options));
        ASSERT_TRUE(started) << started.error();
        broker_ = std::move(started.value());
        auto loop = net::EventLoop::create();
        ASSERT_TRUE(loop) << loop.error();
        loop_ = std::move(loop.value());
    }

    net::MqttOptions mqtt() const {
        net::MqttOptions options;
        options.host = broker_->host();
        options.port = broker_->port();
        return options;
    }

    // Runs `plan` against a server on the same loop until the fleet is done.
    void run(FleetPlan plan,
             std::optional<std::pair<std::string, std::string>> server_account = std::nullopt) {
        server::ServerSetup setup;
        setup.mqtt = mqtt();
        setup.mqtt.client_id = "fleet-test-server";
        if (server_account) {
            setup.mqtt.username = server_account->first;
            setup.mqtt.password = server_account->second;
        }
        setup.policy.delay = 200ms;
        setup.policy.min_commands = setup.policy.max_commands = 2;
        auto server = server::Server::create(*loop_, std::move(setup), random_, server_observer_);
        ASSERT_TRUE(server) << server.error();
        fleet_ = std::make_unique<ClientFleet>(*loop_, std::move(plan), progress_,
                                               [&] { server.value()->stop(); });
        server_observer_.on_ready_ = [&] {
            if (!fleet_started_) fleet_->start();
            fleet_started_ = true;
        };
        server_observer_.on_stop = [&] { loop_->stop(); };
        bool guard_fired = false;
        net::Timer guard(*loop_, [&] {
            guard_fired = true;
            loop_->stop();
        });
        guard.arm(loop_->now() + 30s);
        ASSERT_TRUE(server.value()->start());
        loop_->run();
        EXPECT_FALSE(guard_fired) << "the fleet did not finish within 30 s";
    }

    net::MosquittoLibrary library_;
    std::unique_ptr<broker::PrivateBroker> broker_;
    std::unique_ptr<net::EventLoop> loop_;
    OsRandom random_;
    QuietServer server_observer_;
    FleetProgress progress_;
    std::unique_ptr<ClientFleet> fleet_;
    bool fleet_started_ = false;
};

TEST_F(ClientFleetTest, EverySessionPassesAndNoMoreThanTheConcurrencyRunAtOnce) {
    start();
    FleetPlan plan;
    plan.mqtt = mqtt();
    plan.user_id_prefix = "fleet-";
    plan.sessions = 12;
    plan.concurrency = 4;
    run(std::move(plan));
    EXPECT_TRUE(fleet_->done());
    EXPECT_EQ(progress_.passed.load(), 12U);
    EXPECT_EQ(progress_.failed.load(), 0U);
    EXPECT_EQ(progress_.active.load(), 0U) << "a finished session still counts as active";
    EXPECT_LE(progress_.peak_active.load(), 4U);
    EXPECT_EQ(fleet_->result().login_to_session_latency.count(), 12U);
}

TEST_F(ClientFleetTest, SessionsLogInWithTheirOwnAccountsAndTheWatcherSeesEach) {
    broker::BrokerOptions options;
    options.users = {{"server", "s"}, {"ann", "a"}, {"ben", "b"}};
    start(std::move(options));
    Watcher watcher;
    FleetPlan plan;
    plan.mqtt = mqtt();
    plan.accounts = {{"2001", "ann", "a"}, {"2002", "ben", "b"}, {"2003", "ben", "wrong"}};
    plan.sessions = plan.accounts.size();
    plan.watcher = &watcher;
    run(std::move(plan), std::make_pair(std::string("server"), std::string("s")));
    EXPECT_EQ(progress_.passed.load(), 2U);
    EXPECT_EQ(progress_.failed.load(), 1U) << "a wrong password passed";
    EXPECT_EQ(watcher.connected, 2);
    EXPECT_GT(watcher.events, 0);
    std::sort(watcher.finished_users.begin(), watcher.finished_users.end());
    EXPECT_EQ(watcher.finished_users, (std::vector<std::string>{"2001", "2002", "2003"}));
}

TEST_F(ClientFleetTest, InterruptEndsTheSessionsInFlightAndOpensNoMore) {
    start();
    FleetPlan plan;
    plan.mqtt = mqtt();
    plan.user_id_prefix = "stopped-";
    plan.sessions = 50;
    plan.concurrency = 5;
    // The first session to connect interrupts the fleet from inside its own callback; the
    // sessions not yet opened never are.
    Watcher watcher;
    plan.watcher = &watcher;
    bool interrupted = false;
    watcher.on_connect = [&] {
        if (interrupted) return;
        interrupted = true;
        fleet_->interrupt();
    };
    run(std::move(plan));
    ASSERT_TRUE(interrupted);
    EXPECT_TRUE(fleet_->done());
    EXPECT_EQ(progress_.passed.load(), 0U);
    EXPECT_EQ(progress_.failed.load(), 50U);
    EXPECT_EQ(fleet_->result().failures.count("interrupted"), 1U);
    EXPECT_LE(progress_.started.load(), 5U) << "sessions were opened after the interrupt";
}

}  // namespace
}  // namespace cmdlink::runner
