#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

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
    // Every subscription made on (re)connecting is acknowledged: from now on no login can be
    // lost, so clients may start.
    virtual void on_ready(const ServerRunner& /*runner*/) {}
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
    // Takes no new sessions, lets those in flight end, then disconnects (a gentle stop()).
    void drain();
    // With ServerPolicy::confirm_before_announce: `session_id` is durably recorded, so its ID
    // may go out. False if there was nothing to announce.
    bool confirm_recorded(std::string_view session_id);
    // What a previous run left (sessions in flight, sessions just ended), put back into the
    // Issuer on the first connection, before any message is read, so that the replies the
    // broker kept for us find their sessions.
    using RestoreFailed = std::function<void(const core::RestoredSession&, const std::string&)>;
    void restore_on_connect(core::PreviousRun previous, RestoreFailed on_failed);
    // With a roster broker (docs/isolation.md): before each new session ID goes out, grant
    // its student that session's topics through the dynamic security plugin.
    void grant_session_access(bool grant) { grant_sessions_ = grant; }
    // Before start(): session IDs from a roster's pools (docs/isolation.md).
    void use_session_pool(core::SessionPool pool) { issuer_.use_session_pool(std::move(pool)); }

    [[nodiscard]] const core::Issuer& issuer() const { return issuer_; }
    // The subscriptions made on (re)connecting are all acknowledged: logins cannot be lost.
    [[nodiscard]] bool ready() const {
        return start_subscriptions_ > 0 && subscriptions_acked_ >= start_subscriptions_;
    }
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
    void disconnect_once_drained();

    net::EventLoop& loop_;
    core::Issuer issuer_;
    ServerObserver& observer_;
    std::unique_ptr<net::MqttConnection> connection_;
    DeadlineTimer deadline_;
    bool ever_connected_ = false;
    int subscriptions_acked_ = 0;
    int subscriptions_made_ = 0;
    int start_subscriptions_ = 0;  // how many the Issuer made on the last (re)connect
    bool stopped_ = false;
    bool grant_sessions_ = false;
    std::string stop_reason_;
    core::PreviousRun to_restore_;
    RestoreFailed on_restore_failed_;
};

}  // namespace cmdlink::runner
