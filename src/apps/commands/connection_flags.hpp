#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "net/mqtt_options.hpp"

namespace cmdlink::apps {

// The broker flags every subcommand shares, and how they turn into MqttOptions.
struct ConnectionFlags {
    // Each a host, host:port, mqtt[s]:// URL or comma list of them; the first is tried
    // first. Empty: the command's default host.
    std::vector<std::string> hosts;
    // -L/--url, as mosquitto_sub takes it: URLs only, instead of --host.
    std::vector<std::string> urls;
    std::optional<int> port;
    std::string username;  // empty: a URL's user, else the command's default
    std::string password_file;
    std::string client_id;
    std::string mqtt_version = "3.1.1";  // or 311, mqttv311, 5, mqttv5 (mosquitto_sub's -V)
    bool tls = false;
    std::string ca_file;
    std::string cert_file;
    std::string key_file;
    bool insecure = false;
    int keepalive_s = 30;
    double reconnect_max_s = 2;
    // Set by the command when a config file, not the command line, gave these: a refusal
    // says where the credentials came from.
    bool username_from_config = false;
    bool password_file_from_config = false;
};

struct ConnectionDefaults {
    std::string host;
    std::string username;  // empty: anonymous unless --username is given
    std::string password;  // used when neither a file nor the environment gives one
};

// The flags, with mosquitto_sub's short names (-h host, -p port, -u username, -i client ID,
// -k keepalive, -V MQTT version, -L URL); help is on --help alone, since -h is the host.
void add_connection_flags(CLI::App& command, ConnectionFlags& flags,
                          const ConnectionDefaults& defaults);

// Resolves the password (file, then CMDLINK_PASSWORD, then the default) and checks the flags.
core::Result<net::MqttOptions> to_mqtt_options(const ConnectionFlags& flags,
                                               const ConnectionDefaults& defaults,
                                               const std::string& default_client_id);

// Where to_mqtt_options takes the password from, for the start-up line: "--password-file
// PATH", "$CMDLINK_PASSWORD", "the built-in default" or "none".
std::string password_source(const ConnectionFlags& flags, const ConnectionDefaults& defaults,
                            const net::MqttOptions& options);

// The first line of a file, without its line ending; a clear error when it cannot be read.
core::Result<std::string> read_secret_file(const std::string& path);

}  // namespace cmdlink::apps
