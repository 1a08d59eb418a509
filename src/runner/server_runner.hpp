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
#include "runner/end_tracking_output.hpp"
#include "runner/login_link.hpp"

namespace cmdlink::runner {

class ServerRunner;

// How long a server keeps trying its first connection: long enough for a broker started
// beside it (a service manager starting both at once) or restarting under it.
inline constexpr core::Duration kServerConnectTimeout = std::chrono::seconds(30);

class ServerObserver {
  public:
    virtual ~ServerObserver() = default;
    virtual void on_connected(const ServerRunner& runner, bool first, bool session_present) = 0;
    // A connection was lost, or an attempt to make one failed (before the first connection:
    // runner.ever_connected() is still false); the runner tries again either way.
    virtual void on_connection_lost(const ServerRunner& runner, std::string_view reason) = 0;
    virtual void on_server_event(const ServerRunner& runner, const core::ServerEvent& event) = 0;
    // The connection was refused for good, or closed after stop().
    virtual void on_stopped(const ServerRunner& runner, std::string_view reason) = 0;
    // Every subscription made on (re)connecting is acknowledged: from now on no login can be
    // lost, so clients may start.
    virtual void on_ready(const ServerRunner& /*runner*/) {}
    // libmosquitto refused a request (a publish, subscribe or unsubscribe) with this reason.
    virtual void on_request_failed(const ServerRunner& /*runner*/, std::string_view /*reason*/) {}
    // The broker acknowledged the `Well done my IoT!` of `session_id`.
    virtual void on_end_delivered(const ServerRunner& /*runner*/,
                                  const std::string& /*session_id*/) {}
    // In a shared group: the broker cannot deliver the group's logins (it offers no shared
    // subscriptions, refuses them, or takes `$share/...` literally). The server stops.
    virtual void on_shared_group_refused(const ServerRunner& /*runner*/,
                                         std::string_view /*reason*/) {}
};

// Drives the Issuer over one MqttConnection on a shared loop: feeds it each input, then
// carries out its outbox (actions to the connection, events to the observer). The observer
// runs after the Issuer has returned, so it may call stop(), drain() or announce() at any
// time; what those append is carried out before the runner returns to the loop.
//
// In a shared group (a `$share/...` login subscription) the logins come through a LoginLink,
// a clean-session connection of their own, which joins the group only while the session
// connection is up and the Issuer wants logins; everything else stays on the persistent one.
class ServerRunner final : private net::MqttListener, private LoginLinkOwner {
  public:
    static core::Result<std::unique_ptr<ServerRunner>> create(net::EventLoop& loop,
                                                              net::MqttOptions mqtt,
                                                              core::ServerPolicy policy,
                                                              core::RandomSource& random,
                                                              ServerObserver& observer);

    // Connects, trying again after each failure (nothing listening yet, a broker restarting,
    // the next failover broker) until `connect_timeout` has passed without a connection;
    // then it stops, naming the brokers tried and the last failure. A broker's refusal (bad
    // credentials) stops it at once.
    core::Result<bool> start(core::Duration connect_timeout = kServerConnectTimeout);
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
    // Nothing queued for the broker is written while `gate` is closed; writes_may_resume()
    // says it may have opened. `gate` must outlive the runner.
    // While it is closed the Issuer's timers wait too, so that no new row can keep it closed.
    void hold_writes(const net::WriteGate& gate);
    void writes_may_resume();
    // Ends the sessions in flight as interrupted and closes without writing another byte, so
    // the broker keeps every message we have not acknowledged for the next run.
    void abandon(std::string_view reason);
    // Before start(): session IDs from a roster's pools (docs/isolation.md).
    void use_session_pool(core::SessionPool pool) { issuer_.use_session_pool(std::move(pool)); }
    // While held, logins that would start a session are refused with `reason`.
    void hold_logins(std::string reason) { issuer_.hold_logins(std::move(reason)); }
    void resume_logins() { issuer_.resume_logins(); }

    [[nodiscard]] const core::Issuer& issuer() const { return issuer_; }
    [[nodiscard]] const net::MqttConnection& connection() const { return *connection_; }
    // The subscriptions made on (re)connecting are all acknowledged: logins cannot be lost.
    [[nodiscard]] bool ready() const { return ready_; }
    [[nodiscard]] bool stopped() const { return stopped_; }
    [[nodiscard]] bool ever_connected() const { return ever_connected_; }

  private:
    ServerRunner(net::EventLoop& loop, core::Issuer issuer, ServerObserver& observer);

    // The Issuer's actions: the login subscription to the LoginLink, the rest to the
    // session connection.
    class Routing final : public core::MqttOutput {
      public:
        explicit Routing(ServerRunner& runner) : runner_(runner) {}
        void subscribe(std::string_view topic, int qos) override;
        void unsubscribe(std::string_view topic) override;
        void publish(std::string_view topic, std::string_view payload, int qos) override;
        void disconnect() override;

      private:
        ServerRunner& runner_;
    };

    void on_connected(bool session_present) override;
    void on_refused(std::string reason) override;
    void on_connection_lost(std::string reason) override;
    void on_message(std::string_view topic, std::string_view payload, int qos,
                    bool retained) override;
    void on_subscribed(std::string_view topic, int granted_qos) override;
    void on_closed() override;
    void on_request_failed(std::string_view reason) override;
    void on_delivered(int message_id) override;

    void on_login_message(std::string_view topic, std::string_view payload, int qos,
                          bool retained) override;
    void on_login_subscribed(std::string_view filter, int granted_qos) override;
    void on_login_link_refused(std::string_view reason) override;
    void on_login_link_lost(std::string_view reason) override;
    void on_login_link_closed() override;

    // Disconnects the session connection and the login link; on_stopped once both closed.
    void close_connections();
    void report_stopped_once_closed();
    void on_deadline();
    void on_connect_timeout();
    // Carries out what the Issuer appended, until nothing is left, then re-arms the timer.
    void carry_out();
    void handle(const core::ServerEvent& event);

    net::EventLoop& loop_;
    core::Issuer issuer_;
    ServerObserver& observer_;
    std::unique_ptr<net::MqttConnection> connection_;
    std::unique_ptr<EndTrackingOutput> output_;
    std::unique_ptr<LoginLink> login_link_;  // in a shared group only
    Routing routing_{*this};
    bool connection_closed_ = false;
    bool login_link_closed_ = true;
    DeadlineTimer deadline_;
    net::Timer connect_deadline_;
    core::Duration connect_timeout_{};
    std::string last_connect_failure_;
    core::ServerOutbox batch_;
    bool carrying_out_ = false;
    const net::WriteGate* write_gate_ = nullptr;
    bool deadline_held_ = false;
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
