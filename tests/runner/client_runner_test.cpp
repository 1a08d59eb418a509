// ClientRunner on a real Mosquitto, with the real server assembly on the same loop.
#include "runner/client_runner.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "broker/loopback_port.hpp"
#include "runner/os_random.hpp"
#include "runner_on_a_broker.hpp"
#include "server/server.hpp"

namespace cmdlink::runner {
namespace {

using namespace std::chrono_literals;

class SilentServer final : public ServerObserver {
  public:
    void on_connected(const ServerRunner& /*runner*/, bool /*first*/,
                      bool /*session_present*/) override {}
    void on_connection_lost(const ServerRunner& /*runner*/, std::string_view /*reason*/) override {}
    void on_server_event(const ServerRunner& /*runner*/,
                         const core::ServerEvent& /*event*/) override {}
    void on_stopped(const ServerRunner& /*runner*/, std::string_view /*reason*/) override {}
    void on_ready(const ServerRunner& /*runner*/) override {
        if (on_ready_) on_ready_();
    }
    std::function<void()> on_ready_;
};

class Watcher final : public ClientObserver {
  public:
    void on_connected(const ClientRunner& /*runner*/, bool /*first*/,
                      bool /*session_present*/) override {}
    void on_connection_lost(const ClientRunner& /*runner*/, std::string_view reason) override {
        losses.emplace_back(reason);
        if (on_lost) on_lost();
    }
    void on_session_event(const ClientRunner& /*runner*/, const core::ClientEvent& event) override {
        ++events;
        if (on_event) on_event(event);
    }
    void on_finished(const ClientRunner& /*runner*/) override {
        ++finished;
        if (on_finish) on_finish();
    }
    std::function<void(const core::ClientEvent&)> on_event;
    std::function<void()> on_finish;
    std::function<void()> on_lost;
    std::vector<std::string> losses;
    int events = 0;
    int finished = 0;
};

class ClientRunnerTest : public RunnerOnABroker {
  protected:
    std::unique_ptr<ClientRunner> make_client(const std::string& user_id,
                                              core::ClientOptions options = {}) {
        options.user_id = user_id;
        auto created =
            ClientRunner::create(*loop_, mqtt("runner-" + user_id), std::move(options), watcher_);
        EXPECT_TRUE(created) << created.error();
        return created ? std::move(created.value()) : nullptr;
    }

    OsRandom random_;
    SilentServer server_observer_;
    Watcher watcher_;
};

TEST_F(ClientRunnerTest, AnObserverThatInterruptsInsideAnEventEndsTheRunOnce) {
    server::ServerSetup setup;
    setup.mqtt = mqtt("runner-test-server");
    setup.policy.delay = 200ms;
    auto server = server::Server::create(*loop_, std::move(setup), random_, server_observer_);
    ASSERT_TRUE(server) << server.error();
    std::unique_ptr<ClientRunner> client;
    server_observer_.on_ready_ = [&] {
        if (client) return;
        client = make_client("30001");
        ASSERT_TRUE(client->start());
    };
    // Interrupted from inside the event that tells it its session ID.
    watcher_.on_event = [&](const core::ClientEvent& event) {
        if (std::holds_alternative<core::client_event::SessionAssigned>(event)) {
            client->interrupt();
        }
    };
    watcher_.on_finish = [&] { loop_->stop(); };
    ASSERT_TRUE(server.value()->start());
    run();
    ASSERT_NE(client, nullptr);
    EXPECT_EQ(client->end(), ClientEnd::kInterrupted);
    EXPECT_EQ(watcher_.finished, 1);
    EXPECT_TRUE(client->finished());
    EXPECT_EQ(client->session().counts().replies, 0U) << "it answered after the interrupt";
}

TEST_F(ClientRunnerTest, NoBrokerWithinTheConnectTimeoutIsACannotConnectEndNamingTheAddress) {
    const int port = broker_->port();
    ASSERT_TRUE(broker_->stop());
    core::ClientOptions options;
    options.user_id = "30002";
    net::MqttOptions connection = mqtt("runner-nobody");
    connection.port = port;
    connection.reconnect_min = 10ms;
    auto created =
        ClientRunner::create(*loop_, std::move(connection), std::move(options), watcher_);
    ASSERT_TRUE(created) << created.error();
    ClientRunner& client = *created.value();
    watcher_.on_finish = [&] { loop_->stop(); };
    ASSERT_TRUE(client.start(300ms));
    run();
    EXPECT_EQ(client.end(), ClientEnd::kCannotConnect);
    const std::string address = "127.0.0.1:" + std::to_string(port);
    EXPECT_EQ(client.end_message(),
              "no MQTT connection to " + address +
                  " within the connect timeout (0.3 s); last: cannot connect to " + address +
                  ": Connection refused: nothing listens on port " +
                  address.substr(address.rfind(':') + 1) +
                  " of 127.0.0.1 (is the broker running? is -p/--port right?)");
    // It kept trying until then, not just once.
    EXPECT_GE(watcher_.losses.size(), 2U);
    EXPECT_GE(client.connection().stats().reconnects, 1U);
    EXPECT_EQ(watcher_.events, 0);
    EXPECT_EQ(watcher_.finished, 1);
}

TEST_F(ClientRunnerTest, AClientStartedWhileTheBrokerIsDownPassesOnceItComesUp) {
    ASSERT_TRUE(broker_->stop());
    core::ClientOptions options;
    options.login_retry = 500ms;  // the server may subscribe after the first login went out
    std::unique_ptr<ClientRunner> client = make_client("30003", options);
    ASSERT_NE(client, nullptr);
    std::unique_ptr<server::Server> server;
    watcher_.on_lost = [&] {
        if (watcher_.losses.size() != 2) return;
        auto restarted = broker_->restart();
        ASSERT_TRUE(restarted) << restarted.error();
        server::ServerSetup setup;
        setup.mqtt = mqtt("runner-late-server");
        setup.policy.delay = 100ms;
        auto created = server::Server::create(*loop_, std::move(setup), random_, server_observer_);
        ASSERT_TRUE(created) << created.error();
        server = std::move(created.value());
        ASSERT_TRUE(server->start());
    };
    watcher_.on_finish = [&] { loop_->stop(); };
    ASSERT_TRUE(client->start(15s));
    run();
    EXPECT_EQ(client->end(), ClientEnd::kPassed) << client->end_message();
    ASSERT_GE(watcher_.losses.size(), 2U);
    EXPECT_NE(watcher_.losses.front().find("Connection refused"), std::string::npos)
        << watcher_.losses.front();
}

TEST_F(ClientRunnerTest, AClientWithADeadFirstBrokerPassesThroughTheNext) {
    auto dead = broker::pick_free_loopback_port();
    ASSERT_TRUE(dead) << dead.error();
    server::ServerSetup setup;
    setup.mqtt = mqtt("runner-failover-server");
    setup.policy.delay = 100ms;
    auto server = server::Server::create(*loop_, std::move(setup), random_, server_observer_);
    ASSERT_TRUE(server) << server.error();
    std::unique_ptr<ClientRunner> client;
    server_observer_.on_ready_ = [&] {
        if (client) return;
        net::MqttOptions two = mqtt("runner-failover-30004");
        two.port = dead.value();
        two.failover = {{broker_->host(), broker_->port()}};
        core::ClientOptions options;
        options.user_id = "30004";
        auto created = ClientRunner::create(*loop_, std::move(two), std::move(options), watcher_);
        ASSERT_TRUE(created) << created.error();
        client = std::move(created.value());
        ASSERT_TRUE(client->start(10s));
    };
    watcher_.on_finish = [&] { loop_->stop(); };
    ASSERT_TRUE(server.value()->start());
    run();
    ASSERT_NE(client, nullptr);
    EXPECT_EQ(client->end(), ClientEnd::kPassed) << client->end_message();
    EXPECT_EQ(client->connection().broker().port, broker_->port());
    ASSERT_EQ(watcher_.losses.size(), 1U);
    EXPECT_NE(watcher_.losses.front().find(std::to_string(dead.value())), std::string::npos);
}

}  // namespace
}  // namespace cmdlink::runner
