#include "apps/commands/connection_flags.hpp"

#include <cstdlib>
#include <utility>

#include "apps/commands/broker_list.hpp"
#include "apps/commands/seconds_flag.hpp"
#include "core/text_lines.hpp"
#include "os/text_file.hpp"

namespace cmdlink::apps {

void add_connection_flags(CLI::App& command, ConnectionFlags& flags,
                          const ConnectionDefaults& defaults) {
    flags.hosts = {defaults.host};
    flags.username = defaults.username;
    command
        .add_option("--host", flags.hosts,
                    "Broker host name or address, or host:port; repeat it or give a comma "
                    "list for failover (tried in turn on each failed connect or lost "
                    "connection)")
        ->allow_extra_args(false)
        ->capture_default_str();
    command
        .add_option("--port", flags.port,
                    "Broker port for --host entries without one (default 1883, or 8883 with "
                    "--tls)")
        ->check(CLI::Range(1, 65535));
    command.add_option("--username", flags.username, "MQTT user name")->capture_default_str();
    command.add_option("--password-file", flags.password_file,
                       "File whose first line is the MQTT password (else $CMDLINK_PASSWORD)");
    command.add_option("--client-id", flags.client_id, "MQTT client ID (stable across runs)");
    command.add_option("--mqtt-version", flags.mqtt_version, "MQTT protocol version")
        ->check(CLI::IsMember({"3.1.1", "5"}))
        ->capture_default_str();
    command.add_option("--keepalive", flags.keepalive_s, "Keepalive interval in seconds")
        ->check(CLI::Range(5, 65535))
        ->capture_default_str();
    command
        .add_option("--reconnect-max", flags.reconnect_max_s,
                    "Longest wait in seconds between connection attempts (the wait doubles "
                    "from 0.1 s up to this)")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    command.add_flag("--tls", flags.tls, "Connect with TLS");
    command.add_option("--cafile", flags.ca_file, "CA certificate file (default: system store)")
        ->check(CLI::ExistingFile);
    command.add_option("--cert", flags.cert_file, "Client certificate file for TLS")
        ->check(CLI::ExistingFile);
    command.add_option("--key", flags.key_file, "Client private key file for TLS")
        ->check(CLI::ExistingFile);
    command.add_flag("--insecure", flags.insecure,
                     "Do not check the broker's host name against its certificate");
}

core::Result<std::string> read_secret_file(const std::string& path) {
    auto text = os::read_whole_file(path, "the password file");
    if (!text) return core::Error{text.error()};
    const auto first = core::LineReader(text.value()).next();
    return first ? std::string(first->text) : std::string();
}

core::Result<net::MqttOptions> to_mqtt_options(const ConnectionFlags& flags,
                                               const ConnectionDefaults& defaults,
                                               const std::string& default_client_id) {
    net::MqttOptions options;
    const bool uses_tls = flags.tls || !flags.ca_file.empty() || !flags.cert_file.empty();
    auto brokers = parse_broker_list(flags.hosts, flags.port.value_or(uses_tls ? 8883 : 1883));
    if (!brokers) return brokers.failure();
    options.host = brokers.value().front().host;
    options.port = brokers.value().front().port;
    options.failover.assign(brokers.value().begin() + 1, brokers.value().end());
    options.reconnect_max = seconds(flags.reconnect_max_s);
    options.client_id = flags.client_id.empty() ? default_client_id : flags.client_id;
    options.version = flags.mqtt_version == "5" ? net::MqttVersion::kV5 : net::MqttVersion::kV311;
    options.keepalive_s = flags.keepalive_s;
    options.tls = {uses_tls, flags.ca_file, flags.cert_file, flags.key_file, flags.insecure};
    if (flags.cert_file.empty() != flags.key_file.empty()) {
        return core::Error{"--cert and --key go together"};
    }
    if (!flags.username.empty()) options.username = flags.username;
    if (!flags.password_file.empty()) {
        auto password = read_secret_file(flags.password_file);
        if (!password) return password.failure();
        options.password = std::move(password.value());
    } else if (const char* from_env = std::getenv("CMDLINK_PASSWORD"); from_env != nullptr) {
        options.password = from_env;
    } else if (!defaults.password.empty() && flags.username == defaults.username) {
        options.password = defaults.password;
    }
    if (options.password && !options.username) {
        return core::Error{"a password was given but no --username"};
    }
    return options;
}

}  // namespace cmdlink::apps
