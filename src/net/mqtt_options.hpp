#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"

namespace cmdlink::net {

struct TlsOptions {
    bool enabled = false;
    std::string ca_file;  // empty: the operating system's trust store
    std::string cert_file;
    std::string key_file;
    bool insecure = false;  // skips the host name check, for test brokers only
};

enum class MqttVersion { kV311, kV5 };

struct BrokerAddress {
    std::string host;
    int port = 1883;

    bool operator==(const BrokerAddress&) const = default;
};

// `host:port`, with an IPv6 address in brackets.
std::string to_string(const BrokerAddress& address);

struct MqttOptions {
    // The broker tried first.
    std::string host = "127.0.0.1";
    int port = 1883;
    // Brokers for failover, tried in turn after `host`: each failed connect and each lost
    // connection moves on to the next, round robin, with the same client ID, so that
    // brokers sharing their sessions (a cluster) resume ours.
    std::vector<BrokerAddress> failover;
    std::string client_id;
    bool clean_session = false;
    int keepalive_s = 30;
    std::optional<std::string> username;
    std::optional<std::string> password;
    MqttVersion version = MqttVersion::kV311;
    // MQTT 5 only: how long the broker keeps the session after we go away.
    std::uint32_t session_expiry_s = 3600;
    TlsOptions tls;
    // The wait before a reconnect doubles from min up to max, and is back at min once a
    // connection is up.
    core::Duration reconnect_min = std::chrono::milliseconds(100);
    core::Duration reconnect_max = std::chrono::seconds(2);
    // How long a clean disconnect waits for our QoS 1/2 publishes to be acknowledged.
    core::Duration drain_timeout = std::chrono::seconds(2);
    // Where the user name and password came from, for a refusal's message, e.g. "user name
    // 'student' (the default: no -u/--username given), password from --password-file p".
    std::string credentials_origin;
    // Each MQTT packet sent and received goes to MqttListener::on_packet_log (libmosquitto's
    // debug log).
    bool log_packets = false;
};

// `host:port` first, then `failover`.
std::vector<BrokerAddress> brokers_of(const MqttOptions& options);
// "a:1883, b:1884", for messages.
std::string describe_brokers(const MqttOptions& options);

}  // namespace cmdlink::net
