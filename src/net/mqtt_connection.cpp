#include "net/mqtt_connection.hpp"

#include <mosquitto.h>
#include <mqtt_protocol.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <utility>

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

}  // namespace

core::Result<std::unique_ptr<MqttConnection>> MqttConnection::create(EventLoop& loop,
                                                                     MqttOptions options,
                                                                     MqttListener& listener) {
    std::unique_ptr<MqttConnection> connection(
        new MqttConnection(loop, std::move(options), listener));
    if (!connection->mosq_) return core::Error{"cannot create an MQTT client (out of memory?)"};
    auto configured = connection->configure();
    if (!configured) return configured.failure();
    return connection;
}

MqttConnection::MqttConnection(EventLoop& loop, MqttOptions options, MqttListener& listener)
    : loop_(loop),
      options_(std::move(options)),
      listener_(listener),
      mosq_(new_mosquitto_without_wakeup_pair(
                options_.client_id.empty() ? nullptr : options_.client_id.c_str(),
                options_.clean_session, this),
            mosquitto_destroy),
      backoff_(options_.reconnect_min) {}

MqttConnection::~MqttConnection() {
    for (const auto timer : {misc_timer_, reconnect_timer_, drain_timer_}) {
        if (timer != 0) loop_.cancel_timer(timer);
    }
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
    // A QoS 1/2 message beyond libmosquitto's default window of 20 unacknowledged ones waits
    // in this process's memory, where a crash loses it although our caller counts it as sent
    // (the server's ledger does). Without the window it goes to the socket at once, and the
    // kernel still delivers what it holds when the process dies. (MQTT 5 brokers announce
    // their own receive maximum, which libmosquitto then follows.)
    rc = mosquitto_int_option(mosq, MOSQ_OPT_SEND_MAXIMUM, 0);
    if (rc != MOSQ_ERR_SUCCESS) return core::Error{mosquitto_error("send maximum", rc)};
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
    mosquitto_connect_with_flags_callback_set(mosq, &MqttConnection::handle_connect);
    mosquitto_disconnect_callback_set(mosq, &MqttConnection::handle_disconnect);
    mosquitto_message_callback_set(mosq, &MqttConnection::handle_message);
    mosquitto_subscribe_callback_set(mosq, &MqttConnection::handle_subscribe);
    mosquitto_publish_callback_set(mosq, &MqttConnection::handle_publish);
    return true;
}

core::Result<bool> MqttConnection::connect() {
    int rc = MOSQ_ERR_SUCCESS;
    if (options_.version == MqttVersion::kV5 && !options_.clean_session) {
        // libmosquitto 2.0 takes CONNECT properties only in its blocking connect; it keeps
        // them for every later (asynchronous) reconnect. The TCP handshake blocks once.
        mosquitto_property* properties = nullptr;
        mosquitto_property_add_int32(&properties, MQTT_PROP_SESSION_EXPIRY_INTERVAL,
                                     options_.session_expiry_s);
        rc = mosquitto_connect_bind_v5(mosq_.get(), options_.host.c_str(), options_.port,
                                       options_.keepalive_s, nullptr, properties);
        mosquitto_property_free_all(&properties);
    } else {
        rc = mosquitto_connect_bind_async(mosq_.get(), options_.host.c_str(), options_.port,
                                          options_.keepalive_s, nullptr);
    }
    if (rc != MOSQ_ERR_SUCCESS && rc != MOSQ_ERR_CONN_PENDING) {
        return core::Error{"cannot connect to " + options_.host + ":" +
                           std::to_string(options_.port) + ": " +
                           (rc == MOSQ_ERR_ERRNO ? std::string(std::strerror(errno))
                                                 : std::string(mosquitto_strerror(rc)))};
    }
    watch_socket();
    schedule_misc();
    after_io();
    return true;
}

void MqttConnection::watch_socket() {
    unwatch_socket();
    const int fd = mosquitto_socket(mosq_.get());
    if (fd < 0) return;
    watching_write_ = mosquitto_want_write(mosq_.get());
    if (loop_.watch(fd, watching_write_, *this)) watched_fd_ = fd;
}

void MqttConnection::unwatch_socket() {
    if (watched_fd_ >= 0) loop_.unwatch(watched_fd_);
    watched_fd_ = -1;
}

void MqttConnection::on_fd_ready(bool readable, bool writable, bool failed) {
    mosquitto* mosq = mosq_.get();
    in_library_ = true;
    if (readable || failed) mosquitto_loop_read(mosq, 1);
    if (writable && mosquitto_socket(mosq) >= 0) mosquitto_loop_write(mosq, 1);
    in_library_ = false;
    after_io();
}

void MqttConnection::flush_unless_in_library() {
    // Inside a libmosquitto callback the library may hold its message mutexes; calling
    // back into mosquitto_loop_write there deadlocks (seen with QoS 2 PUBREL handling).
    if (!in_library_) after_io();
}

// Packets queued inside callbacks are not written by libmosquitto; write them now rather
// than a loop turn later, and ask for writability only when the socket is really full.
void MqttConnection::after_io() {
    mosquitto* mosq = mosq_.get();
    const int fd = mosquitto_socket(mosq);
    if (fd < 0) return;
    if (fd != watched_fd_) watch_socket();
    if (mosquitto_want_write(mosq)) mosquitto_loop_write(mosq, 1);
    if (mosquitto_socket(mosq) < 0) return;
    const bool want_write = mosquitto_want_write(mosq);
    if (want_write != watching_write_) {
        watching_write_ = want_write;
        loop_.set_write_interest(watched_fd_, want_write, *this);
    }
}

void MqttConnection::schedule_misc() {
    if (misc_timer_ != 0) return;
    misc_timer_ = loop_.add_timer(loop_.now() + kMiscInterval, [this] {
        misc_timer_ = 0;
        if (mosquitto_socket(mosq_.get()) >= 0) {
            in_library_ = true;
            mosquitto_loop_misc(mosq_.get());
            in_library_ = false;
            after_io();
        }
        if (!closed_) schedule_misc();
    });
}

void MqttConnection::subscribe(std::string_view topic, int qos) {
    topic_buffer_.assign(topic);
    int mid = 0;
    const int rc = mosquitto_subscribe(mosq_.get(), &mid, topic_buffer_.c_str(), qos);
    if (rc == MOSQ_ERR_SUCCESS) pending_subscriptions_.insert_or_assign(mid, topic_buffer_);
    flush_unless_in_library();
}

void MqttConnection::unsubscribe(std::string_view topic) {
    topic_buffer_.assign(topic);
    mosquitto_unsubscribe(mosq_.get(), nullptr, topic_buffer_.c_str());
    flush_unless_in_library();
}

void MqttConnection::publish(std::string_view topic, std::string_view payload, int qos) {
    topic_buffer_.assign(topic);
    int mid = 0;
    const int rc = mosquitto_publish(mosq_.get(), &mid, topic_buffer_.c_str(),
                                     static_cast<int>(payload.size()), payload.data(), qos, false);
    if (rc == MOSQ_ERR_SUCCESS || rc == MOSQ_ERR_NO_CONN) {
        ++stats_.messages_out;
        if (qos > 0) unacked_publishes_.insert(mid);
    }
    flush_unless_in_library();
}

void MqttConnection::disconnect() {
    if (closing_) return;
    closing_ = true;
    if (unacked_publishes_.empty() || !connected_) return finish_disconnect();
    drain_timer_ = loop_.add_timer(loop_.now() + options_.drain_timeout, [this] {
        drain_timer_ = 0;
        finish_disconnect();
    });
}

void MqttConnection::finish_disconnect() {
    if (closed_) return;
    if (drain_timer_ != 0) loop_.cancel_timer(drain_timer_);
    drain_timer_ = 0;
    if (reconnect_timer_ != 0) loop_.cancel_timer(reconnect_timer_);
    reconnect_timer_ = 0;
    if (connected_ && mosquitto_disconnect(mosq_.get()) == MOSQ_ERR_SUCCESS) {
        flush_unless_in_library();
        return;  // handle_disconnect completes the close
    }
    closed_ = true;
    connected_ = false;
    unwatch_socket();
    listener_.on_closed();
}

void MqttConnection::schedule_reconnect() {
    if (reconnect_timer_ != 0 || closing_) return;
    reconnect_timer_ = loop_.add_timer(loop_.now() + backoff_, [this] {
        reconnect_timer_ = 0;
        reconnect();
    });
    backoff_ = std::min(backoff_ * 2, options_.reconnect_max);
}

void MqttConnection::reconnect() {
    ++stats_.reconnects;
    const int rc = mosquitto_reconnect_async(mosq_.get());
    if (rc != MOSQ_ERR_SUCCESS && rc != MOSQ_ERR_CONN_PENDING) {
        listener_.on_connection_lost(mosquitto_error("reconnect", rc));
        schedule_reconnect();
        return;
    }
    watch_socket();
    flush_unless_in_library();
}

void MqttConnection::handle_connect(mosquitto* /*mosq*/, void* self, int rc, int flags) {
    auto& connection = *static_cast<MqttConnection*>(self);
    if (rc != 0) {
        const std::string reason =
            "the broker refused the connection: " +
            std::string(rc < 128 ? mosquitto_connack_string(rc) : mosquitto_reason_string(rc));
        if (is_permanent_refusal(rc)) {
            connection.closing_ = true;
            connection.listener_.on_refused(reason);
        } else {
            connection.listener_.on_connection_lost(reason);
        }
        return;
    }
    connection.connected_ = true;
    connection.backoff_ = connection.options_.reconnect_min;
    ++connection.stats_.connects;
    connection.listener_.on_connected((flags & 1) != 0);
}

void MqttConnection::handle_disconnect(mosquitto* /*mosq*/, void* self, int rc) {
    auto& connection = *static_cast<MqttConnection*>(self);
    const bool was_connected = connection.connected_;
    connection.connected_ = false;
    // libmosquitto closes the socket right after this callback returns.
    connection.unwatch_socket();
    if (connection.closing_ || rc == 0) {
        if (!connection.closed_) {
            connection.closed_ = true;
            connection.listener_.on_closed();
        }
        return;
    }
    connection.listener_.on_connection_lost(
        was_connected
            ? "connection lost: " + std::string(mosquitto_strerror(rc))
            : "cannot connect to " + connection.options_.host + ":" +
                  std::to_string(connection.options_.port) + ": " + mosquitto_strerror(rc));
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

void MqttConnection::handle_publish(mosquitto* /*mosq*/, void* self, int mid) {
    auto& connection = *static_cast<MqttConnection*>(self);
    connection.unacked_publishes_.erase(mid);
    if (connection.closing_ && connection.unacked_publishes_.empty() &&
        connection.drain_timer_ != 0) {
        connection.finish_disconnect();
    }
}

}  // namespace cmdlink::net
