#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/client_session.hpp"
#include "net/event_loop.hpp"
#include "net/mqtt_connection.hpp"
#include "runner/deadline_timer.hpp"

namespace cmdlink::runner {

// How a client run ended; the CLI turns it into an exit code.
enum class ClientEnd {
    kRunning,
    kPassed,
    kCannotConnect,
    kLoginTimeout,
    kIdleTimeout,
    kInterrupted,
    kFailed,  // the server's verdict (`server --feedback`): the session did not pass
};

std::string_view to_string(ClientEnd end);

class ClientRunner;

class ClientObserver {
  public:
    virtual ~ClientObserver() = default;
    virtual void on_connected(const ClientRunner& runner, bool first, bool session_present) = 0;
    // A connection was lost, or an attempt to make one failed (before the first connection:
    // runner.timings().connected is still kNever); the runner tries again either way.
    virtual void on_connection_lost(const ClientRunner& runner, std::string_view reason) = 0;
    virtual void on_session_event(const ClientRunner& runner, const core::ClientEvent& event) = 0;
    // Called once, after the connection has been closed.
    virtual void on_finished(const ClientRunner& runner) = 0;
    // libmosquitto refused a request (a publish, subscribe or unsubscribe) with this reason.
    virtual void on_request_failed(const ClientRunner& /*runner*/, std::string_view /*reason*/) {}
    // With MqttOptions::log_packets: one MQTT packet sent or received, as libmosquitto logs it.
    virtual void on_packet_log(const ClientRunner& /*runner*/, std::string_view /*line*/) {}
};

// A connection lost this soon after it was made counts as short-lived; this many short-lived
// connections in a row mean that another client uses our client ID (MQTT 3.1.1 brokers close
// the older connection without saying why, and each client's reconnect, 0.1 s later, closes
// the other's). Broker restarts and flaky links rarely cut a connection this young three
// times running (the fault proxy of tests/support never cuts one before 1 s).
inline constexpr core::Duration kShortLivedConnection = std::chrono::milliseconds(750);
inline constexpr int kShortLivedConnectionsForTakeover = 3;

struct ClientTimings {
    core::TimePoint started;
    core::TimePoint connected = core::kNever;
    core::TimePoint login_sent = core::kNever;
    core::TimePoint session_assigned = core::kNever;
    core::TimePoint ended = core::kNever;
};

// Drives one ClientSession over one MqttConnection on a shared loop: feeds it each input,
// then carries out its outbox (actions to the connection, events to the observer), so the
// observer never runs inside the session and may call interrupt() at any time.
class ClientRunner final : private net::MqttListener {
  public:
    static core::Result<std::unique_ptr<ClientRunner>> create(net::EventLoop& loop,
                                                              net::MqttOptions mqtt,
                                                              core::ClientOptions options,
                                                              ClientObserver& observer);

    // Connects, trying again after each failure (nothing listening yet, a broker restarting,
    // the next failover broker) until `connect_timeout` has passed without a CONNACK; then
    // the run fails as kCannotConnect, naming the brokers tried and the last failure. A
    // broker's refusal (bad credentials) ends it at once.
    core::Result<bool> start(core::Duration connect_timeout = std::chrono::seconds(10));
    // Leaves cleanly (SIGINT/SIGTERM): disconnects and ends as interrupted.
    void interrupt();

    [[nodiscard]] ClientEnd end() const { return end_; }
    [[nodiscard]] const std::string& end_message() const { return end_message_; }
    [[nodiscard]] const core::ClientSession& session() const { return session_; }
    [[nodiscard]] const ClientTimings& timings() const { return timings_; }
    [[nodiscard]] const net::MqttConnection& connection() const { return *connection_; }
    [[nodiscard]] bool finished() const { return finished_; }

  private:
    ClientRunner(net::EventLoop& loop, core::ClientSession session, ClientObserver& observer);

    // net::MqttListener
    void on_connected(bool session_present) override;
    void on_refused(std::string reason) override;
    void on_connection_lost(std::string reason) override;
    void on_message(std::string_view topic, std::string_view payload, int qos,
                    bool retained) override;
    void on_subscribed(std::string_view topic, int granted_qos) override;
    void on_closed() override;
    void on_request_failed(std::string_view reason) override;
    void on_packet_log(std::string_view line) override;

    void on_deadline();
    void on_connect_timeout();
    // Carries out what the session appended, until nothing is left, then re-arms the timer.
    void carry_out();
    void handle(const core::ClientEvent& event);
    void rearm();
    void end_with(ClientEnd end, std::string message);

    net::EventLoop& loop_;
    core::ClientSession session_;
    ClientObserver& observer_;
    std::unique_ptr<net::MqttConnection> connection_;
    DeadlineTimer deadline_;
    DeadlineTimer connect_deadline_;
    core::Duration connect_timeout_{};
    std::string last_connect_failure_;
    ClientEnd end_ = ClientEnd::kRunning;
    std::string end_message_;
    ClientTimings timings_;
    core::ClientOutbox batch_;
    bool carrying_out_ = false;
    bool finished_ = false;
    bool connected_now_ = false;
    core::TimePoint last_connected_at_ = core::kNever;
    int short_lived_in_a_row_ = 0;
};

}  // namespace cmdlink::runner
