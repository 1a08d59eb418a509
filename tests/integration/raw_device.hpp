#pragma once

#include <mosquitto.h>

#include <chrono>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace cmdlink::integration {

struct RawMessage {
    std::string topic;
    std::string payload;
    int qos = 0;
};

struct RawDeviceOptions {
    std::string username;  // empty: anonymous
    std::string password;
    // A persistent session that reconnects when the broker drops it, as a roster broker
    // does when it grants the device's account a session (docs/isolation.md).
    bool persistent = false;
};

// A device written by hand with libmosquitto (MQTT 3.1.1, clean session), driven by blocking
// mosquitto_loop() calls in the test's thread: it says and replies exactly what a test wants,
// which our client never would (QoS 0 replies, wrong words, garbage). libmosquitto must be
// initialised around its use (net::MosquittoLibrary).
class RawDevice {
  public:
    // Connects to 127.0.0.1:`port` and waits for the CONNACK.
    static core::Result<std::unique_ptr<RawDevice>> connect(int port, const std::string& client_id,
                                                            const RawDeviceOptions& options = {});

    RawDevice(const RawDevice&) = delete;
    RawDevice& operator=(const RawDevice&) = delete;
    ~RawDevice();

    // Subscribes and waits for the SUBACK.
    core::Result<bool> subscribe(const std::string& topic, int qos);
    // The QoS the broker granted to the last subscription; 128 when it refused it.
    [[nodiscard]] int last_granted_qos() const { return last_granted_qos_; }
    [[nodiscard]] int reconnects() const { return reconnects_; }
    // Queues a publish; call run_until() or wait_published() to get it out.
    core::Result<bool> publish(const std::string& topic, std::string_view payload, int qos);
    // Runs the network loop until every QoS 1/2 publish is acknowledged.
    core::Result<bool> wait_published();
    // Runs the network loop until `done` holds (true) or `limit` passes (false).
    bool run_until(const std::function<bool()>& done, std::chrono::milliseconds limit);

    // Called from the loop for each message, after it is recorded; it may publish.
    void on_message(std::function<void(const RawMessage&)> handler) {
        handler_ = std::move(handler);
    }
    [[nodiscard]] const std::vector<RawMessage>& received() const { return received_; }

    // The protocol's login: subscribe to <user ID>/UUID, publish the ID to `login`, wait for
    // the session ID and subscribe to it. The value is the session ID.
    core::Result<std::string> log_in(const std::string& user_id);

  private:
    RawDevice(mosquitto* handle, bool persistent) : handle_(handle), persistent_(persistent) {}
    core::Result<bool> step();

    struct Destroy {
        void operator()(mosquitto* handle) const { mosquitto_destroy(handle); }
    };
    std::unique_ptr<mosquitto, Destroy> handle_;
    bool persistent_ = false;
    int connack_ = -1;
    int last_granted_qos_ = -1;
    int reconnects_ = 0;
    std::set<int> pending_subscriptions_;
    std::set<int> pending_publishes_;
    std::vector<RawMessage> received_;
    std::function<void(const RawMessage&)> handler_;
    std::string loop_error_;
};

}  // namespace cmdlink::integration
