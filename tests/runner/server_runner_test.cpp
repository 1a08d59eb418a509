// ServerRunner's first connection on a real Mosquitto: retried until the connect timeout.
#include "runner/server_runner.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "../net/loop_guard.hpp"
#include "broker/loopback_port.hpp"
#include "broker/private_broker.hpp"
#include "net/mosquitto_library.hpp"
#include "runner/os_random.hpp"

namespace cmdlink::runner {
namespace {

using namespace std::chrono_literals;

class RecordingServerObserver final : public ServerObserver {
  public:
    void on_connected(const ServerRunner& /*runner*/, bool /*first*/,
                      bool /*session_present*/) override {
        ++connects;
    }
    void on_connection_lost(const ServerRunner& /*runner*/, std::string_view reason) override {
        losses.emplace_back(reason);
        if (on_lost) on_lost();
    }
    void on_server_event(const ServerRunner& /*runner*/,
                         const core::ServerEvent& /*event*/) override {}
    void on_stopped(const ServerRunner& /*runner*/, std::string_view reason) override {
        stop_reasons.emplace_back(reason);
        if (on_stop) on_stop();
    }
    void on_ready(const ServerRunner& /*runner*/) override {
        if (on_ready_) on_ready_();
    }

    int connects = 0;
    std::vector<std::string> losses;
    std::vector<std::string> stop_reasons;
    std::function<void()> on_lost;
    std::function<void()> on_stop;
    std::function<void()> on_ready_;
};

class ServerRunnerTest : public ::testing::Test {
  protected:
    void SetUp() override {
        auto started = broker::PrivateBroker::start({});
        ASSERT_TRUE(started) << started.error();
        broker_ = std::move(started.value());
        auto loop = net::EventLoop::create();
        ASSERT_TRUE(loop) << loop.error();
        loop_ = std::move(loop.value());
    }

    net::MqttOptions mqtt(int port) const {
        net::MqttOptions options;
        options.host = broker_->host();
        options.port = port;
        options.client_id = "server-runner-test";
        options.reconnect_min = 10ms;
        return options;
    }

    std::unique_ptr<ServerRunner> make_server(net::MqttOptions options) {
        auto created = ServerRunner::create(*loop_, std::move(options), {}, random_, observer_);
        EXPECT_TRUE(created) << created.error();
        return created ? std::move(created.value()) : nullptr;
    }

    void run() { net::run_bounded(*loop_, 20s); }

    net::MosquittoLibrary library_;
    std::unique_ptr<broker::PrivateBroker> broker_;
    std::unique_ptr<net::EventLoop> loop_;
    OsRandom random_;
    RecordingServerObserver observer_;
};

TEST_F(ServerRunnerTest, AServerStartedWhileTheBrokerIsDownConnectsOnceItComesUp) {
    ASSERT_TRUE(broker_->stop());
    auto server = make_server(mqtt(broker_->port()));
    ASSERT_NE(server, nullptr);
    observer_.on_lost = [&] {
        if (observer_.losses.size() != 2) return;
        auto restarted = broker_->restart();
        ASSERT_TRUE(restarted) << restarted.error();
    };
    observer_.on_ready_ = [&] { loop_->stop(); };
    ASSERT_TRUE(server->start(15s));
    run();
    EXPECT_TRUE(server->ever_connected());
    EXPECT_TRUE(server->ready());
    EXPECT_FALSE(server->stopped());
    EXPECT_EQ(observer_.connects, 1);
    ASSERT_GE(observer_.losses.size(), 2U);
    EXPECT_NE(observer_.losses.front().find("Connection refused"), std::string::npos)
        << observer_.losses.front();
}

TEST_F(ServerRunnerTest, AServerWithoutABrokerStopsAtItsConnectTimeoutNamingEveryBrokerTried) {
    auto other = broker::pick_free_loopback_port();
    ASSERT_TRUE(other) << other.error();
    const int port = broker_->port();
    ASSERT_TRUE(broker_->stop());
    net::MqttOptions options = mqtt(port);
    options.failover = {{"127.0.0.1", other.value()}};
    auto server = make_server(options);
    ASSERT_NE(server, nullptr);
    observer_.on_stop = [&] { loop_->stop(); };
    ASSERT_TRUE(server->start(300ms));
    run();
    EXPECT_TRUE(server->stopped());
    EXPECT_FALSE(server->ever_connected());
    ASSERT_EQ(observer_.stop_reasons.size(), 1U);
    const std::string& reason = observer_.stop_reasons.front();
    EXPECT_NE(reason.find("no MQTT connection to 127.0.0.1:" + std::to_string(port) +
                          ", 127.0.0.1:" + std::to_string(other.value()) +
                          " within the connect timeout (0.3 s); last: cannot connect to"),
              std::string::npos)
        << reason;
    EXPECT_GE(observer_.losses.size(), 2U) << "it tried both brokers";
}

}  // namespace
}  // namespace cmdlink::runner
