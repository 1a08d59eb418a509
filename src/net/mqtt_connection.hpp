#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/mqtt_output.hpp"
#include "core/result.hpp"
#include "net/event_loop.hpp"
#include "net/message_id_set.hpp"
#include "net/mqtt_options.hpp"

struct mosquitto;
struct mosquitto_message;
struct mqtt5__property;

namespace cmdlink::net {

// What a connection tells its owner. Callbacks run on the loop thread and must not block.
class MqttListener {
  public:
    virtual ~MqttListener() = default;
    virtual void on_connected(bool session_present) = 0;
    // The broker refused us (bad credentials, unacceptable client ID...): retrying won't help.
    virtual void on_refused(std::string reason) = 0;
    // A connection that was up, or an attempt to make one, failed; the connection retries.
    virtual void on_connection_lost(std::string reason) = 0;
    // `retained`: a stored message the broker replays on subscribe, not a live one.
    virtual void on_message(std::string_view topic, std::string_view payload, int qos,
                            bool retained) = 0;
    virtual void on_subscribed(std::string_view topic, int granted_qos) = 0;
    // Our own disconnect has completed.
    virtual void on_closed() = 0;
    // A subscribe, unsubscribe, publish or disconnect could not even be queued (a QoS 0
    // publish while disconnected, an invalid topic...). MqttConnection::last_error() and
    // stats().failed_requests keep the record for a listener that does not override this.
    virtual void on_request_failed(std::string_view /*message*/) {}
    // The broker acknowledged our QoS 1/2 publish `message_id` (PUBACK or PUBCOMP): it is the
    // broker's now, and reaches its subscribers even if we die.
    virtual void on_delivered(int /*message_id*/) {}
    // With MqttOptions::log_packets: libmosquitto's line for one packet sent or received
    // ("sending PUBLISH (d0, q1, r0, m2, 'login', ... (5 bytes))").
    virtual void on_packet_log(std::string_view /*line*/) {}
};

// Says whether what is queued may be written now. A server with a ledger closes it while
// rows are not yet committed, so that nothing (an acknowledgement of a message, a command,
// an end) leaves the process before the ledger holds what it means (docs/crash-safety.md).
class WriteGate {
  public:
    virtual ~WriteGate() = default;
    [[nodiscard]] virtual bool open() const = 0;
};

struct ConnectionStats {
    std::uint64_t connects = 0;
    std::uint64_t reconnects = 0;
    std::uint64_t messages_in = 0;
    std::uint64_t messages_out = 0;
    std::uint64_t failed_requests = 0;
};

// One libmosquitto client driven by our EventLoop (never by libmosquitto's own thread).
//
// Whatever is queued during a turn (by our calls, or by libmosquitto inside its callbacks,
// where it only queues) is written once, by a before-sleep task, in the same turn: a reply
// published inside on_message leaves before the loop waits again, and mosquitto_loop_write
// is never called from inside a libmosquitto callback (which deadlocks on QoS 2).
class MqttConnection final : public core::MqttOutput, private FdWatcher {
  public:
    static core::Result<std::unique_ptr<MqttConnection>> create(EventLoop& loop,
                                                                MqttOptions options,
                                                                MqttListener& listener);
    ~MqttConnection() override;
    MqttConnection(const MqttConnection&) = delete;
    MqttConnection& operator=(const MqttConnection&) = delete;

    // Starts connecting to the first broker; the outcome arrives through the listener. A
    // failed attempt (nothing listening, no route, no such host yet) is reported through
    // on_connection_lost and retried, moving on through the failover brokers, like a lost
    // connection; only options no attempt can succeed with are an error here.
    core::Result<bool> connect();

    void subscribe(std::string_view topic, int qos) override;
    void unsubscribe(std::string_view topic) override;
    void publish(std::string_view topic, std::string_view payload, int qos) override;
    // Waits (up to drain_timeout) for our QoS 1/2 publishes to complete, then disconnects. A
    // connection lost meanwhile (or before) is made again to complete them, without telling the
    // listener (no on_connection_lost, no on_connected): only on_closed ends the drain.
    void disconnect() override;
    // Closes at once without writing another byte: what the broker has not had acknowledged
    // it keeps for the next connection with our client ID. on_closed follows.
    void abandon();

    // Until `gate` opens, nothing queued is written and nothing more is read; call
    // write_gate_opened() when it may have opened. The gate must outlive the connection, or be
    // replaced with nullptr first.
    void set_write_gate(const WriteGate* gate) { write_gate_ = gate; }
    void write_gate_opened();
    // The message ID libmosquitto gave the last publish() that was queued at QoS 1/2; 0 if none.
    [[nodiscard]] int last_message_id() const { return last_message_id_; }

    [[nodiscard]] bool connected() const { return connected_; }
    // Packets queued but not yet written to the socket.
    [[nodiscard]] bool has_pending_output() const;
    // The most recent on_request_failed() message; empty if none failed.
    [[nodiscard]] const std::string& last_error() const { return last_error_; }
    [[nodiscard]] const ConnectionStats& stats() const { return stats_; }
    [[nodiscard]] const MqttOptions& options() const { return options_; }
    // The broker of the connection in use, or of the latest attempt.
    [[nodiscard]] const BrokerAddress& broker() const { return brokers_[broker_index_]; }
    // How long the latest reconnect was scheduled to wait (zero before any).
    [[nodiscard]] core::Duration last_reconnect_delay() const { return last_reconnect_delay_; }
    // What the last CONNACK said of shared subscriptions (`$share/...`): false only when an
    // MQTT 5 broker said "Shared Subscription Available: 0". Valid from on_connected().
    [[nodiscard]] bool shared_subscriptions_available() const {
        return shared_subscriptions_available_;
    }

  private:
    MqttConnection(EventLoop& loop, MqttOptions options, MqttListener& listener, mosquitto* mosq);
    core::Result<bool> configure();
    void on_fd_ready(bool readable, bool writable, bool failed) override;
    void flush();
    void set_interest(bool want_read, bool want_write);
    void remember_connect_error();
    void follow_socket();
    core::Result<bool> watch_socket();
    void watch_or_retry();
    void unwatch_socket();
    template <class Io>
    void run_io(const char* what, Io io);
    void run_misc();
    void schedule_reconnect();
    void reconnect();
    // disconnect() is waiting for our QoS 1/2 publishes to complete.
    [[nodiscard]] bool draining() const { return closing_ && drain_timer_.armed(); }
    // on_connection_lost, unless the loss is the drain's own business.
    void report_loss(std::string reason);
    // "cannot connect to <broker>: <why>", for a connect call that returned `rc`.
    [[nodiscard]] std::string connect_failure(int rc) const;
    void finish_disconnect();
    void fail_request(std::string message);

    static void handle_connect(mosquitto* mosq, void* self, int rc, int flags,
                               const mqtt5__property* properties);
    static void handle_disconnect(mosquitto* mosq, void* self, int rc);
    static void handle_message(mosquitto* mosq, void* self, const mosquitto_message* message);
    static void handle_subscribe(mosquitto* mosq, void* self, int mid, int count,
                                 const int* granted);
    static void handle_publish(mosquitto* mosq, void* self, int mid);
    static void handle_log(mosquitto* mosq, void* self, int level, const char* line);

    EventLoop& loop_;
    MqttOptions options_;
    MqttListener& listener_;
    std::unique_ptr<mosquitto, void (*)(mosquitto*)> mosq_;
    int watched_fd_ = -1;
    bool watching_write_ = false;
    bool watching_read_ = true;
    int connect_error_ = 0;  // the socket's error when a connect failed, for its message
    bool connected_ = false;
    bool closing_ = false;
    bool closed_ = false;
    bool shared_subscriptions_available_ = true;
    std::uint64_t disconnect_events_ = 0;  // calls of handle_disconnect
    std::vector<BrokerAddress> brokers_;   // options_'s host:port, then its failover brokers
    std::size_t broker_index_ = 0;
    core::Duration backoff_;
    core::Duration last_reconnect_delay_{};
    Timer misc_timer_;
    Timer reconnect_timer_;
    Timer drain_timer_;
    BeforeSleepTask flush_task_;
    const WriteGate* write_gate_ = nullptr;
    int last_message_id_ = 0;
    // Message IDs of our QoS 1/2 publishes not yet acknowledged. libmosquitto also reports
    // QoS 0 publishes (once written) through on_publish, so a bare counter would go wrong.
    MessageIdSet unacked_publishes_;
    std::unordered_map<int, std::string> pending_subscriptions_;  // message ID -> topic
    std::string topic_buffer_;
    std::string last_error_;
    ConnectionStats stats_;
};

}  // namespace cmdlink::net
