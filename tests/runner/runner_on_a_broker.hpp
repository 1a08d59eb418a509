#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>

#include "../net/loop_guard.hpp"
#include "broker/private_broker.hpp"
#include "net/event_loop.hpp"
#include "net/mosquitto_library.hpp"
#include "net/mqtt_connection.hpp"

namespace cmdlink::runner {

// What the runner tests stand on: a private Mosquitto, one event loop, and MQTT options that
// reach that broker under a client ID of the test's choosing.
class RunnerOnABroker : public ::testing::Test {
  protected:
    void SetUp() override {
        auto started = broker::PrivateBroker::start({});
        ASSERT_TRUE(started) << started.error();
        broker_ = std::move(started.value());
        auto loop = net::EventLoop::create();
        ASSERT_TRUE(loop) << loop.error();
        loop_ = std::move(loop.value());
    }

    [[nodiscard]] net::MqttOptions mqtt(std::string client_id) const {
        net::MqttOptions options;
        options.host = broker_->host();
        options.port = broker_->port();
        options.client_id = std::move(client_id);
        return options;
    }

    void run() { net::run_bounded(*loop_, std::chrono::seconds(20)); }

    net::MosquittoLibrary library_;
    std::unique_ptr<broker::PrivateBroker> broker_;
    std::unique_ptr<net::EventLoop> loop_;
};

}  // namespace cmdlink::runner
