#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/issuer.hpp"
#include "net/event_loop.hpp"
#include "net/mqtt_connection.hpp"
#include "runner/deadline_timer.hpp"

namespace cmdlink::runner {

class ServerRunner;

class ServerObserver {
  public:
    virtual ~ServerObserver() = default;
    virtual void on_connected(const ServerRunner& runner, bool first, bool session_present) = 0;
    virtual void on_connection_lost(const ServerRunner& runner, std::string_view reason) = 0;
    virtual void on_server_event(const ServerRunner& runner, const core::ServerEvent& event) = 0;
    // The connection was refused for good, or closed after stop().
    virtual void on_stopped(const ServerRunner& runner, std::string_view reason) = 0;
};

// Drives the Issuer over one MqttConnection on a shared loop.
class ServerRunner final : private core::ServerOutput, private net::MqttListener {
  public:
    static core::Result<std::unique_ptr<ServerRunner>> create(net::EventLoop& loop,
                                                              net::MqttOptions mqtt,
                                                              core::ServerPolicy policy,
                                                              core::RandomSource& random,
                                                              ServerObserver& observer);

    core::Result<bool> start();
    // Ends the sessions in flight as interrupted and disconnects.
    void stop();
    // With a roster broker (docs/isolation.md): before each new session ID goes out, grant
    // its student that session's topics through the dynamic security plugin.
    void grant_session_access(bool grant) { grant_sessions_ = grant; }

    [[nodiscard]] const core::Issuer& issuer() const { return issuer_; }
    [[nodiscard]] bool ready() const { return subscriptions_acked_ >= 2; }
    [[nodiscard]] bool stopped() const { return stopped_; }
    [[nodiscard]] bool ever_connected() const { return ever_connected_; }

  private:
    ServerRunner(net::EventLoop& loop, core::Issuer issuer, ServerObserver& observer);

    void subscribe(std::string_view topic, int qos) override;
    void unsubscribe(std::string_view topic) override;
    void publish(std::string_view topic, std::string_view payload, int qos) override;
    void disconnect() override;
    void record(const core::ServerEvent& event) override;

    void on_connected(bool session_present) override;
    void on_refused(std::string reason) override;
    void on_connection_lost(std::string reason) override;
    void on_message(std::string_view topic, std::string_view payload, int qos,
                    bool retained) override;
    void on_subscribed(std::string_view topic, int granted_qos) override;
    void on_closed() override;

    void on_deadline();

    net::EventLoop& loop_;
    core::Issuer issuer_;
    ServerObserver& observer_;
    std::unique_ptr<net::MqttConnection> connection_;
    DeadlineTimer deadline_;
    bool ever_connected_ = false;
    int subscriptions_acked_ = 0;
    bool stopped_ = false;
    bool grant_sessions_ = false;
    std::string stop_reason_;
};

}  // namespace cmdlink::runner
