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
    // libmosquitto refused a request (a publish, subscribe or unsubscribe) with this reason.
    virtual void on_request_failed(const ServerRunner& /*runner*/, std::string_view /*reason*/) {}
};

// Drives the Issuer over one MqttConnection on a shared loop: feeds it each input, then
// carries out its outbox (actions to the connection, events to the observer). The observer
// runs after the Issuer has returned, so it may call stop(), drain() or announce() at any
// time; what those append is carried out before the runner returns to the loop.
class ServerRunner final : private net::MqttListener {
  public:
    static core::Result<std::unique_ptr<ServerRunner>> create(net::EventLoop& loop,
                                                              net::MqttOptions mqtt,
                                                              core::ServerPolicy policy,
                                                              core::RandomSource& random,
                                                              ServerObserver& observer);

    core::Result<bool> start();
    // Ends the sessions in flight as interrupted and disconnects.
    void stop(std::string_view reason = "the server stopped");
    // Takes no new sessions, lets those in flight end, then disconnects (a gentle stop()).
    void drain();
    // The issued session may go out (see Issuer::announce). False if there was nothing to
    // announce.
    bool announce(std::string_view session_id);
    // The issued session cannot go out (see Issuer::withdraw).
    bool withdraw(std::string_view session_id, std::string reason);
    // What a previous run left (sessions in flight, sessions just ended), put back into the
    // Issuer on the first connection, before any message is read, so that the replies the
    // broker kept for us find their sessions.
    using RestoreFailed = std::function<void(const core::RestoredSession&, const std::string&)>;
    void restore_on_connect(core::PreviousRun previous, RestoreFailed on_failed);
    // Publishes one message of the server's own, outside the protocol (a dynamic-security
    // grant), in order with the Issuer's actions carried out so far.
    void publish_aside(std::string_view topic, std::string_view payload, int qos);
    // Subscribes to `topic` on every (re)connection, after the Issuer's subscriptions; its
    // messages go to `on_message` instead of the Issuer.
    using AsideHandler = std::function<void(std::string_view payload)>;
    void listen_aside(std::string topic, AsideHandler on_message);
    // Before start(): session IDs from a roster's pools (docs/isolation.md).
    void use_session_pool(core::SessionPool pool) { issuer_.use_session_pool(std::move(pool)); }
    // While held, logins that would start a session are refused with `reason`.
    void hold_logins(std::string reason) { issuer_.hold_logins(std::move(reason)); }
    void resume_logins() { issuer_.resume_logins(); }

    [[nodiscard]] const core::Issuer& issuer() const { return issuer_; }
    // The subscriptions made on (re)connecting are all acknowledged: logins cannot be lost.
    [[nodiscard]] bool ready() const { return ready_; }
    [[nodiscard]] bool stopped() const { return stopped_; }
    [[nodiscard]] bool ever_connected() const { return ever_connected_; }

  private:
    ServerRunner(net::EventLoop& loop, core::Issuer issuer, ServerObserver& observer);

    void on_connected(bool session_present) override;
    void on_refused(std::string reason) override;
    void on_connection_lost(std::string reason) override;
    void on_message(std::string_view topic, std::string_view payload, int qos,
                    bool retained) override;
    void on_subscribed(std::string_view topic, int granted_qos) override;
    void on_closed() override;
    void on_request_failed(std::string_view reason) override;

    void on_deadline();
    // Carries out what the Issuer appended, until nothing is left, then re-arms the timer.
    void carry_out();
    void handle(const core::ServerEvent& event);

    net::EventLoop& loop_;
    core::Issuer issuer_;
    ServerObserver& observer_;
    std::unique_ptr<net::MqttConnection> connection_;
    DeadlineTimer deadline_;
    core::ServerOutbox batch_;
    bool carrying_out_ = false;
    bool ever_connected_ = false;
    bool ready_ = false;
    bool stopped_ = false;
    std::string aside_topic_;
    AsideHandler on_aside_;
    std::string stop_reason_;
    core::PreviousRun to_restore_;
    RestoreFailed on_restore_failed_;
};

}  // namespace cmdlink::runner
