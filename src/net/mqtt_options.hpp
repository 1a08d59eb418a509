#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

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

struct MqttOptions {
    std::string host = "127.0.0.1";
    int port = 1883;
    std::string client_id;
    bool clean_session = false;
    int keepalive_s = 30;
    std::optional<std::string> username;
    std::optional<std::string> password;
    MqttVersion version = MqttVersion::kV311;
    // MQTT 5 only: how long the broker keeps the session after we go away.
    std::uint32_t session_expiry_s = 3600;
    TlsOptions tls;
    core::Duration reconnect_min = std::chrono::milliseconds(100);
    core::Duration reconnect_max = std::chrono::seconds(10);
    // How long a clean disconnect waits for our QoS 1/2 publishes to be acknowledged.
    core::Duration drain_timeout = std::chrono::seconds(2);
};

}  // namespace cmdlink::net
