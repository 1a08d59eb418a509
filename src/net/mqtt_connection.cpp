#include "net/mqtt_connection.hpp"

#include <mosquitto.h>
#include <mqtt_protocol.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <utility>

#include "net/connection_errors.hpp"
#include "net/wakeup_pair.hpp"

namespace cmdlink::net {
namespace {

constexpr auto kMiscInterval = std::chrono::seconds(1);
constexpr const char* kSystemCaDirectory = "/etc/ssl/certs";

std::string mosquitto_error(const char* what, int rc) {
    return std::string(what) + ": " + mosquitto_strerror(rc);
}

// CONNACK codes that no retry will change.
bool is_permanent_refusal(int rc) {
    switch (rc) {
        case 1:  // unacceptable protocol version
        case 2:  // identifier rejected
        case 4:  // bad user name or password
        case 5:  // not authorised
        case MQTT_RC_UNSUPPORTED_PROTOCOL_VERSION:
        case MQTT_RC_CLIENTID_NOT_VALID:
        case MQTT_RC_BAD_USERNAME_OR_PASSWORD:
        case MQTT_RC_NOT_AUTHORIZED:
        case MQTT_RC_BANNED:
        case MQTT_RC_BAD_AUTHENTICATION_METHOD:
            return true;
        default:
            return false;
    }
}

// Errors of a connect call that no later attempt can cure: the options themselves are wrong.
bool is_hopeless_connect_error(int rc) {
    return rc == MOSQ_ERR_INVAL || rc == MOSQ_ERR_NOMEM || rc == MOSQ_ERR_NOT_SUPPORTED;
}

// DISCONNECT reasons of an MQTT 5 broker that no reconnect will change: without this, a
// broker that refuses shared subscriptions (ejabberd: 0x9E) is reconnected to ten times a
// second forever.
bool is_permanent_disconnect(int reason) {
    switch (reason) {
        case MQTT_RC_NOT_AUTHORIZED:
        case MQTT_RC_BANNED:
        case MQTT_RC_TOPIC_FILTER_INVALID:
        case MQTT_RC_QOS_NOT_SUPPORTED:
        case MQTT_RC_SHARED_SUBS_NOT_SUPPORTED:
        case MQTT_RC_SUBSCRIPTION_IDS_NOT_SUPPORTED:
        case MQTT_RC_WILDCARD_SUBS_NOT_SUPPORTED:
        // Another client took our client ID: reconnecting would take it back, and the two
        // would throw each other out ten times a second.
        case MQTT_RC_SESSION_TAKEN_OVER:
            return true;
        default:
            return false;
    }
}

// libmosquitto's default receive maximum is 20. Mosquitto 2.0.11 re-sends more QoS 2
// messages than that when a persistent session resumes, libmosquitto then drops the
// connection with a protocol error, and the next resume does the same: a loop (issue 9: 800
// reconnects in 81 s; tests/integration/shared_group_test.cpp). So the largest window MQTT 5
// allows. Mosquitto takes it in place of its max_inflight_messages for this client: what it
// queued for us arrives at once, and its max_queued_messages bounds that.
constexpr std::uint16_t kReceiveMaximum = 65535;

}  // namespace

core::Result<std::unique_ptr<MqttConnection>> MqttConnection::create(EventLoop& loop,
                                                                     MqttOptions options,
                                                                     MqttListener& listener) {
    auto created = new_mosquitto_without_wakeup_pair(
        options.client_id.empty() ? nullptr : options.client_id.c_str(), options.clean_session,
        nullptr);
    if (!created) return core::Error{created.error()};
    std::unique_ptr<MqttConnection> connection(
        new MqttConnection(loop, std::move(options), listener, created.value()));
    mosquitto_user_data_set(connection->mosq_.get(), connection.get());
    auto configured = connection->configure();
    if (!configured) return configured.failure();
    return connection;
}

MqttConnection::MqttConnection(EventLoop& loop, MqttOptions options, MqttListener& listener,
                               mosquitto* mosq)
    : loop_(loop),
      options_(std::move(options)),
      listener_(listener),
      mosq_(mosq, mosquitto_destroy),
      brokers_(brokers_of(options_)),
      backoff_(std::min(options_.reconnect_min, options_.reconnect_max)),
      misc_timer_(loop, [this] { run_misc(); }),
      reconnect_timer_(loop, [this] { reconnect(); }),
      drain_timer_(loop, [this] { finish_disconnect(); }),
      flush_task_(loop, [this] { flush(); }) {}

MqttConnection::~MqttConnection() {
    unwatch_socket();
}

core::Result<bool> MqttConnection::configure() {
    mosquitto* mosq = mosq_.get();
    const int version =
        options_.version == MqttVersion::kV5 ? MQTT_PROTOCOL_V5 : MQTT_PROTOCOL_V311;
    int rc = mosquitto_int_option(mosq, MOSQ_OPT_PROTOCOL_VERSION, version);
    if (rc != MOSQ_ERR_SUCCESS) return core::Error{mosquitto_error("protocol version", rc)};
    // Without this, Nagle holds each small reply back for a delayed ACK: ~44 ms a round trip.
    rc = mosquitto_int_option(mosq, MOSQ_OPT_TCP_NODELAY, 1);
    if (rc != MOSQ_ERR_SUCCESS) return core::Error{mosquitto_error("TCP_NODELAY", rc)};
    if (options_.username || options_.password) {
        rc = mosquitto_username_pw_set(mosq,
                                       options_.username ? options_.username->c_str() : nullptr,
                                       options_.password ? options_.password->c_str() : nullptr);
        if (rc != MOSQ_ERR_SUCCESS) return core::Error{mosquitto_error("credentials", rc)};
    }
    if (options_.tls.enabled) {
        const TlsOptions& tls = options_.tls;
        if (tls.ca_file.empty()) {
            rc = mosquitto_int_option(mosq, MOSQ_OPT_TLS_USE_OS_CERTS, 1);
            if (rc != MOSQ_ERR_SUCCESS) return core::Error{mosquitto_error("TLS trust store", rc)};
        }
        if (tls.cert_file.empty() != tls.key_file.empty()) {
            return core::Error{"a TLS client certificate needs both --cert and --key"};
        }
        // libmosquitto insists on a CA file or directory even with the OS store enabled.
        const char* ca_path = tls.ca_file.empty() ? kSystemCaDirectory : nullptr;
        rc = mosquitto_tls_set(mosq, tls.ca_file.empty() ? nullptr : tls.ca_file.c_str(), ca_path,
                               tls.cert_file.empty() ? nullptr : tls.cert_file.c_str(),
                               tls.key_file.empty() ? nullptr : tls.key_file.c_str(), nullptr);
        if (rc != MOSQ_ERR_SUCCESS) return core::Error{mosquitto_error("TLS setup", rc)};
        rc = mosquitto_tls_insecure_set(mosq, tls.insecure);
        if (rc != MOSQ_ERR_SUCCESS) return core::Error{mosquitto_error("TLS insecure", rc)};
    }
    // "External threads": libmosquitto then only queues what it sends (acknowledgements
    // included) and flush() is the one place anything is written, so a WriteGate can hold it.
    rc = mosquitto_threaded_set(mosq, true);
    if (rc != MOSQ_ERR_SUCCESS) return core::Error{mosquitto_error("threaded mode", rc)};
    // The MQTT 5 variant also runs for 3.1.1 connections (without properties).
    mosquitto_connect_v5_callback_set(mosq, &MqttConnection::handle_connect);
    mosquitto_disconnect_callback_set(mosq, &MqttConnection::handle_disconnect);
    mosquitto_message_callback_set(mosq, &MqttConnection::handle_message);
    mosquitto_subscribe_callback_set(mosq, &MqttConnection::handle_subscribe);
    mosquitto_publish_callback_set(mosq, &MqttConnection::handle_publish);
    if (options_.log_packets) mosquitto_log_callback_set(mosq, &MqttConnection::handle_log);
    return true;
}

core::Result<bool> MqttConnection::connect() {
    const BrokerAddress& target = broker();
    misc_timer_.arm(loop_.now() + kMiscInterval);
    int rc = MOSQ_ERR_SUCCESS;
    if (options_.version == MqttVersion::kV5 && !options_.clean_session) {
        // libmosquitto 2.0 takes CONNECT properties only in its blocking connect; it keeps
        // them for every later (asynchronous) reconnect. The TCP handshake blocks once.
        mosquitto_property* properties = nullptr;
        rc = mosquitto_property_add_int32(&properties, MQTT_PROP_SESSION_EXPIRY_INTERVAL,
                                          options_.session_expiry_s);
        if (rc == MOSQ_ERR_SUCCESS) {
            rc = mosquitto_property_add_int16(&properties, MQTT_PROP_RECEIVE_MAXIMUM,
                                              kReceiveMaximum);
        }
        if (rc != MOSQ_ERR_SUCCESS) {
            mosquitto_property_free_all(&properties);
            return core::Error{mosquitto_error("CONNECT properties", rc)};
        }
        rc = mosquitto_connect_bind_v5(mosq_.get(), target.host.c_str(), target.port,
                                       options_.keepalive_s, nullptr, properties);
        mosquitto_property_free_all(&properties);
    } else {
        rc = mosquitto_connect_bind_async(mosq_.get(), target.host.c_str(), target.port,
                                          options_.keepalive_s, nullptr);
    }
    if (rc != MOSQ_ERR_SUCCESS && rc != MOSQ_ERR_CONN_PENDING) {
        std::string reason = connect_failure(rc);
        if (is_hopeless_connect_error(rc)) {
            misc_timer_.cancel();
            return core::Error{std::move(reason)};
        }
        listener_.on_connection_lost(std::move(reason));
        schedule_reconnect();
        return true;
    }
    if (auto watched = watch_socket(); !watched) return watched;
    flush_task_.schedule();
    return true;
}

std::string MqttConnection::connect_failure(int rc) const {
    // errno is read first: building the message may change it.
    // libmosquitto leaves getaddrinfo's code in errno for MOSQ_ERR_EAI.
    const int error = errno;
    const bool with_error = rc == MOSQ_ERR_ERRNO || rc == MOSQ_ERR_EAI;
    return connect_failure_text(rc, with_error ? error : 0, options_, broker());
}

bool MqttConnection::has_pending_output() const {
    return mosquitto_want_write(mosq_.get());
}

core::Result<bool> MqttConnection::watch_socket() {
    unwatch_socket();
    const int fd = mosquitto_socket(mosq_.get());
    if (fd < 0) return true;
    watching_write_ = mosquitto_want_write(mosq_.get());
    watching_read_ = true;
    if (auto watched = loop_.watch(fd, watching_write_, *this); !watched) {
        return core::Error{"cannot watch the MQTT socket: " + watched.error()};
    }
    watched_fd_ = fd;
    return true;
}

// Unwatched, a socket would sit there unserved: drop it and try again later.
void MqttConnection::watch_or_retry() {
    if (auto watched = watch_socket(); !watched) {
        listener_.on_connection_lost(watched.error());
        schedule_reconnect();
    }
}

void MqttConnection::unwatch_socket() {
    if (watched_fd_ >= 0) loop_.unwatch(watched_fd_);
    watched_fd_ = -1;
}

// libmosquitto opens a new socket on every reconnect and closes it on every failure.
void MqttConnection::follow_socket() {
    const int fd = mosquitto_socket(mosq_.get());
    if (fd < 0) {
        unwatch_socket();
    } else if (fd != watched_fd_) {
        watch_or_retry();
    }
}

// Runs one of libmosquitto's loop_read/write/misc. On failure libmosquitto has normally
// closed the socket and told handle_disconnect already (mosquitto__loop_rc_handle); when it
// has not (a TLS handshake error leaves the socket open, a keepalive close may say nothing)
// the loss is reported here, so that no connection dies silently.
template <class Io>
void MqttConnection::run_io(const char* what, Io io) {
    const std::uint64_t disconnects_before = disconnect_events_;
    const int rc = io(mosq_.get());
    const bool reported = disconnect_events_ != disconnects_before;
    const bool lost = rc != MOSQ_ERR_SUCCESS || mosquitto_socket(mosq_.get()) < 0;
    if (lost && !reported && !closed_) {
        const bool was_connected = std::exchange(connected_, false);
        unwatch_socket();
        const int why = rc == MOSQ_ERR_SUCCESS ? MOSQ_ERR_CONN_LOST : rc;
        report_loss(was_connected ? mosquitto_error(what, why)
                                  : connect_failure_text(why, 0, options_, broker()));
        schedule_reconnect();
    }
    follow_socket();
}

void MqttConnection::on_fd_ready(bool readable, bool /*writable*/, bool failed) {
    if ((readable || failed) && mosquitto_socket(mosq_.get()) >= 0) {
        run_io("read", [](mosquitto* mosq) { return mosquitto_loop_read(mosq, 1); });
    }
    // Writability, and whatever the callbacks just queued, are the flush's business.
    flush_task_.schedule();
}

// The one place we write: once a turn, outside every libmosquitto callback (configure() keeps
// libmosquitto from writing anywhere else).
//
// While the write gate is closed the connection also stops reading: every message read would
// queue an acknowledgement the gate must hold and record rows the gate must wait for, so under
// a steady stream it would never open. Reading resumes with the first write after it opens.
void MqttConnection::flush() {
    if (closed_) return;
    follow_socket();
    if (watched_fd_ < 0) return;
    if (write_gate_ != nullptr && !write_gate_->open()) {
        set_interest(false, false);
        return;
    }
    if (mosquitto_want_write(mosq_.get())) {
        if (!connected_) remember_connect_error();
        run_io("write", [](mosquitto* mosq) { return mosquitto_loop_write(mosq, 1); });
        if (watched_fd_ < 0) return;
    }
    // Ask for writability only while the socket is really full.
    set_interest(true, mosquitto_want_write(mosq_.get()));
}

// The first write of a connection whose TCP connect failed fails too, but by the time
// libmosquitto reports it, closing the socket has replaced errno ("Bad file descriptor"). The
// socket's own error says what went wrong (e.g. "Connection refused").
void MqttConnection::remember_connect_error() {
    int error = 0;
    socklen_t length = sizeof error;
    if (::getsockopt(watched_fd_, SOL_SOCKET, SO_ERROR, &error, &length) == 0 && error != 0) {
        connect_error_ = error;
    }
}

void MqttConnection::set_interest(bool want_read, bool want_write) {
    if (want_read == watching_read_ && want_write == watching_write_) return;
    if (auto changed = loop_.set_interest(watched_fd_, want_read, want_write); !changed) {
        fail_request("cannot change the MQTT socket's interest: " + changed.error());
        return;
    }
    watching_read_ = want_read;
    watching_write_ = want_write;
}

void MqttConnection::run_misc() {
    if (mosquitto_socket(mosq_.get()) >= 0) {
        run_io("keepalive", [](mosquitto* mosq) { return mosquitto_loop_misc(mosq); });
        flush_task_.schedule();
    }
    if (!closed_) misc_timer_.arm(loop_.now() + kMiscInterval);
}

void MqttConnection::fail_request(std::string message) {
    ++stats_.failed_requests;
    last_error_ = std::move(message);
    listener_.on_request_failed(last_error_);
}

void MqttConnection::subscribe(std::string_view topic, int qos) {
    topic_buffer_.assign(topic);
    int mid = 0;
    const int rc = mosquitto_subscribe(mosq_.get(), &mid, topic_buffer_.c_str(), qos);
    if (rc != MOSQ_ERR_SUCCESS) {
        return fail_request("cannot subscribe to '" + topic_buffer_ +
                            "': " + mosquitto_strerror(rc));
    }
    pending_subscriptions_.insert_or_assign(mid, topic_buffer_);
    flush_task_.schedule();
}

void MqttConnection::unsubscribe(std::string_view topic) {
    topic_buffer_.assign(topic);
    const int rc = mosquitto_unsubscribe(mosq_.get(), nullptr, topic_buffer_.c_str());
    if (rc != MOSQ_ERR_SUCCESS) {
        return fail_request("cannot unsubscribe from '" + topic_buffer_ +
                            "': " + mosquitto_strerror(rc));
    }
    flush_task_.schedule();
}

void MqttConnection::publish(std::string_view topic, std::string_view payload, int qos) {
    last_message_id_ = 0;
    topic_buffer_.assign(topic);
    int mid = 0;
    const int rc = mosquitto_publish(mosq_.get(), &mid, topic_buffer_.c_str(),
                                     static_cast<int>(payload.size()), payload.data(), qos, false);
    // Disconnected, libmosquitto keeps a QoS 1/2 message for the next connection, and
    // drops a QoS 0 one.
    const bool queued = rc == MOSQ_ERR_SUCCESS || (rc == MOSQ_ERR_NO_CONN && qos > 0);
    if (!queued) {
        return fail_request("cannot publish to '" + topic_buffer_ + "': " + mosquitto_strerror(rc));
    }
    ++stats_.messages_out;
    if (qos > 0) {
        unacked_publishes_.insert(mid);
        last_message_id_ = mid;
    }
    flush_task_.schedule();
}

void MqttConnection::disconnect() {
    if (closing_) return;
    closing_ = true;
    if (unacked_publishes_.empty()) return finish_disconnect();
    // Disconnected now, or cut during the drain, the connection is made again (see
    // handle_disconnect): a persistent session's broker holds the other half of every QoS 2
    // exchange in flight, which only a PUBREL over a new connection completes.
    drain_timer_.arm(loop_.now() + options_.drain_timeout);
    // An attempt under way (a socket, no CONNACK yet) goes on; otherwise one is scheduled.
    if (!connected_ && mosquitto_socket(mosq_.get()) < 0) schedule_reconnect();
}

void MqttConnection::report_loss(std::string reason) {
    if (!draining()) listener_.on_connection_lost(std::move(reason));
}

void MqttConnection::write_gate_opened() {
    flush_task_.schedule();
}

void MqttConnection::abandon() {
    if (closed_) return;
    closing_ = true;
    closed_ = true;
    connected_ = false;
    drain_timer_.cancel();
    reconnect_timer_.cancel();
    misc_timer_.cancel();
    unwatch_socket();
    listener_.on_closed();
}

void MqttConnection::finish_disconnect() {
    if (closed_) return;
    drain_timer_.cancel();
    reconnect_timer_.cancel();
    if (connected_) {
        const int rc = mosquitto_disconnect(mosq_.get());
        if (rc == MOSQ_ERR_SUCCESS) {
            flush_task_.schedule();
            return;  // handle_disconnect completes the close
        }
        // Only MOSQ_ERR_NO_CONN in practice: the socket went away under us.
        if (rc != MOSQ_ERR_NO_CONN) fail_request(mosquitto_error("disconnect", rc));
    }
    closed_ = true;
    connected_ = false;
    misc_timer_.cancel();
    unwatch_socket();
    listener_.on_closed();
}

void MqttConnection::schedule_reconnect() {
    if (reconnect_timer_.armed() || (closing_ && !draining())) return;
    last_reconnect_delay_ = backoff_;
    reconnect_timer_.arm(loop_.now() + backoff_);
    backoff_ = std::min(backoff_ * 2, options_.reconnect_max);
}

void MqttConnection::reconnect() {
    ++stats_.reconnects;
    int rc = MOSQ_ERR_SUCCESS;
    if (brokers_.size() > 1) {
        // mosquitto_reconnect_async goes back to the host of the last connect. A connect to
        // the next broker keeps what reconnecting keeps (client ID, messages in flight, the
        // MQTT 5 CONNECT properties of the first connect), libmosquitto 2.0's source shows.
        broker_index_ = (broker_index_ + 1) % brokers_.size();
        rc = mosquitto_connect_bind_async(mosq_.get(), broker().host.c_str(), broker().port,
                                          options_.keepalive_s, nullptr);
    } else {
        rc = mosquitto_reconnect_async(mosq_.get());
    }
    if (rc != MOSQ_ERR_SUCCESS && rc != MOSQ_ERR_CONN_PENDING) {
        report_loss(connect_failure(rc));
        schedule_reconnect();
        return;
    }
    watch_or_retry();
    flush_task_.schedule();
}

void MqttConnection::handle_connect(mosquitto* /*mosq*/, void* self, int rc, int flags,
                                    const mosquitto_property* properties) {
    auto& connection = *static_cast<MqttConnection*>(self);
    // Absent (and always on MQTT 3.1.1): available, as MQTT 5 says.
    std::uint8_t shared = 1;
    mosquitto_property_read_byte(properties, MQTT_PROP_SHARED_SUB_AVAILABLE, &shared, false);
    connection.shared_subscriptions_available_ = shared != 0;
    if (rc != 0) {
        const std::string reason = connack_refusal_text(rc, connection.options_);
        if (is_permanent_refusal(rc)) {
            // A drain that cannot reconnect is over: what it waited for is lost.
            connection.drain_timer_.cancel();
            connection.closing_ = true;
            connection.listener_.on_refused(reason);
        } else {
            connection.report_loss(reason);
        }
        return;
    }
    connection.connected_ = true;
    connection.backoff_ =
        std::min(connection.options_.reconnect_min, connection.options_.reconnect_max);
    ++connection.stats_.connects;
    // Reconnected only to finish a drain: the owner, who asked to disconnect, must not take it
    // for a connection to subscribe and publish on. libmosquitto re-sends what is in flight.
    if (connection.draining()) return;
    connection.listener_.on_connected((flags & 1) != 0);
}

void MqttConnection::handle_disconnect(mosquitto* /*mosq*/, void* self, int rc) {
    auto& connection = *static_cast<MqttConnection*>(self);
    ++connection.disconnect_events_;
    const bool was_connected = connection.connected_;
    connection.connected_ = false;
    // libmosquitto has closed the socket, or closes it as soon as this returns.
    connection.unwatch_socket();
    if (rc != 0 && connection.draining() && !is_permanent_disconnect(rc)) {
        // Cut while draining: the drain goes on over the next connection, until it completes
        // or drain_timeout ends it (finish_disconnect).
        connection.connect_error_ = 0;
        connection.schedule_reconnect();
        return;
    }
    if (connection.closing_ || rc == 0) {
        if (!connection.closed_) {
            connection.closed_ = true;
            connection.misc_timer_.cancel();
            connection.listener_.on_closed();
        }
        return;
    }
    if (is_permanent_disconnect(rc)) {
        // The broker has closed the connection already: the close is complete.
        connection.closing_ = true;
        connection.listener_.on_refused(disconnect_text(rc, connection.options_));
        if (!connection.closed_) {
            connection.closed_ = true;
            connection.misc_timer_.cancel();
            connection.listener_.on_closed();
        }
        return;
    }
    const int connect_error = std::exchange(connection.connect_error_, 0);
    connection.listener_.on_connection_lost(
        was_connected
            ? "connection lost: " + disconnect_text(rc, connection.options_)
            : connect_failure_text(rc, connect_error, connection.options_, connection.broker()));
    connection.schedule_reconnect();
}

void MqttConnection::handle_message(mosquitto* /*mosq*/, void* self,
                                    const mosquitto_message* message) {
    auto& connection = *static_cast<MqttConnection*>(self);
    ++connection.stats_.messages_in;
    const std::string_view payload(
        static_cast<const char*>(message->payload),
        message->payloadlen < 0 ? 0U : static_cast<std::size_t>(message->payloadlen));
    connection.listener_.on_message(message->topic, payload, message->qos, message->retain);
}

void MqttConnection::handle_subscribe(mosquitto* /*mosq*/, void* self, int mid, int count,
                                      const int* granted) {
    auto& connection = *static_cast<MqttConnection*>(self);
    const auto found = connection.pending_subscriptions_.find(mid);
    if (found == connection.pending_subscriptions_.end()) return;
    const std::string topic = std::move(found->second);
    connection.pending_subscriptions_.erase(found);
    connection.listener_.on_subscribed(topic, count > 0 ? granted[0] : 0x80);
}

void MqttConnection::handle_log(mosquitto* /*mosq*/, void* self, int level, const char* line) {
    // The debug level is libmosquitto's line per packet; the rest it reports as return codes.
    if (level != MOSQ_LOG_DEBUG || line == nullptr) return;
    static_cast<MqttConnection*>(self)->listener_.on_packet_log(line);
}

void MqttConnection::handle_publish(mosquitto* /*mosq*/, void* self, int mid) {
    auto& connection = *static_cast<MqttConnection*>(self);
    // libmosquitto reports QoS 0 publishes here too, once written; only ours at QoS 1/2 count.
    if (connection.unacked_publishes_.erase(mid)) connection.listener_.on_delivered(mid);
    if (connection.closing_ && connection.unacked_publishes_.empty() &&
        connection.drain_timer_.armed()) {
        connection.finish_disconnect();
    }
}

}  // namespace cmdlink::net
