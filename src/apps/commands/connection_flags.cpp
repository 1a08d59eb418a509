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
    command.set_help_flag("--help", "Print this help message and exit");
    CLI::Option* host =
        command
            .add_option("-h,--host", flags.hosts,
                        "Broker host name or address, host:port, or mqtt[s]://[user@]host[:port]; "
                        "repeat it or give a comma list for failover (tried in turn on each "
                        "failed connect or lost connection)")
            ->allow_extra_args(false)
            ->default_str(defaults.host);
    command
        .add_option("-L,--url", flags.urls,
                    "The broker as a URL, as mosquitto_sub takes it: mqtt://[user@]host[:port] "
                    "or mqtts://... (TLS); a comma list for failover")
        ->allow_extra_args(false)
        ->excludes(host);
    command
        .add_option("-p,--port", flags.port,
                    "Broker port for --host entries without one (default 1883, or 8883 with "
                    "TLS); an entry's own port must agree")
        ->check(CLI::Range(1, 65535));
    command.add_option("-u,--username", flags.username, "MQTT user name")
        ->default_str(defaults.username);
    command.add_option("--password-file", flags.password_file,
                       "File whose first line is the MQTT password (else $CMDLINK_PASSWORD)");
    command.add_option("-i,--client-id,--id", flags.client_id,
                       "MQTT client ID (stable across runs)");
    command
        .add_option("-V,--mqtt-version,--protocol-version", flags.mqtt_version,
                    "MQTT protocol version: 3.1.1 (also 311, mqttv311) or 5 (mqttv5)")
        ->check(CLI::IsMember({"3.1.1", "311", "mqttv311", "5", "mqttv5", "31", "mqttv31"}))
        ->capture_default_str();
    command.add_option("-k,--keepalive", flags.keepalive_s, "Keepalive interval in seconds")
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
    // Sent as it is, an empty password only earns "not authorised", which hides the cause.
    if (!first || first->text.empty()) {
        return core::Error{"the password file " + path +
                           " is empty: put the password on its first line"};
    }
    return std::string(first->text);
}

namespace {

core::Result<net::MqttVersion> mqtt_version_of(const std::string& text) {
    if (text == "5" || text == "mqttv5") return net::MqttVersion::kV5;
    if (text == "3.1.1" || text == "311" || text == "mqttv311") return net::MqttVersion::kV311;
    return core::Error{"--mqtt-version " + text +
                       ": MQTT 3.1 is not supported, use 311 (MQTT 3.1.1) or 5"};
}

// --host or -L/--url, with --port and the TLS flags applied.
core::Result<BrokerTarget> broker_target(const ConnectionFlags& flags,
                                         const ConnectionDefaults& defaults, bool tls_flags) {
    if (!flags.hosts.empty() && !flags.urls.empty()) {
        return core::Error{"give the broker with --host or with -L/--url, not both"};
    }
    if (!flags.urls.empty()) {
        constexpr std::string_view kUrlFlag = "-L/--url";
        auto entries = parse_broker_entries(flags.urls, kUrlFlag);
        if (!entries) return entries.failure();
        for (const BrokerEntry& entry : entries.value()) {
            if (!entry.tls) {
                return core::Error{std::string(kUrlFlag) + " '" + entry.text +
                                   "': expected mqtt://[user@]host[:port] or mqtts://..."};
            }
        }
        return resolve_brokers(entries.value(), flags.port, tls_flags, kUrlFlag);
    }
    auto entries = parse_broker_entries(
        flags.hosts.empty() ? std::vector<std::string>{defaults.host} : flags.hosts);
    if (!entries) return entries.failure();
    return resolve_brokers(entries.value(), flags.port, tls_flags);
}

// "user name 'student' (the default: no -u/--username was given), password from
// $CMDLINK_PASSWORD": what a refusal for bad credentials names.
std::string credentials_origin(const ConnectionFlags& flags, const ConnectionDefaults& defaults,
                               const std::optional<std::string>& url_user,
                               const net::MqttOptions& options) {
    std::string text;
    if (!options.username) {
        return "no user name (anonymous; give one with -u/--username)";
    }
    if (!flags.username.empty()) {
        text = "user name '" + *options.username + "' (from " +
               (flags.username_from_config ? "the config file" : "-u/--username") + ")";
    } else if (url_user) {
        text = "user name '" + *options.username + "' (from the URL)";
    } else {
        text = "user name '" + *options.username + "' (the default: no -u/--username was given)";
    }
    if (!flags.password_file.empty()) {
        text += std::string(", password from ") +
                (flags.password_file_from_config ? "the config file's password-file "
                                                 : "--password-file ") +
                flags.password_file;
    } else if (std::getenv("CMDLINK_PASSWORD") != nullptr) {
        text += ", password from $CMDLINK_PASSWORD";
    } else if (options.password && *options.username == defaults.username) {
        text += ", the built-in password of the shared account '" + defaults.username + "'";
    } else {
        text += ", no password (give it with --password-file or $CMDLINK_PASSWORD)";
    }
    return text;
}

}  // namespace

core::Result<net::MqttOptions> to_mqtt_options(const ConnectionFlags& flags,
                                               const ConnectionDefaults& defaults,
                                               const std::string& default_client_id) {
    net::MqttOptions options;
    const bool tls_flags = flags.tls || !flags.ca_file.empty() || !flags.cert_file.empty();
    auto target = broker_target(flags, defaults, tls_flags);
    if (!target) return target.failure();
    auto version = mqtt_version_of(flags.mqtt_version);
    if (!version) return version.failure();
    const std::vector<net::BrokerAddress>& brokers = target.value().brokers;
    options.host = brokers.front().host;
    options.port = brokers.front().port;
    options.failover.assign(brokers.begin() + 1, brokers.end());
    options.reconnect_max = seconds(flags.reconnect_max_s);
    options.client_id = flags.client_id.empty() ? default_client_id : flags.client_id;
    options.version = version.value();
    options.keepalive_s = flags.keepalive_s;
    options.tls = {target.value().tls, flags.ca_file, flags.cert_file, flags.key_file,
                   flags.insecure};
    if (flags.cert_file.empty() != flags.key_file.empty()) {
        return core::Error{"--cert and --key go together"};
    }
    const std::optional<std::string>& url_user = target.value().username;
    if (!flags.username.empty() && url_user && *url_user != flags.username) {
        return core::Error{"--username " + flags.username + " and the URL's user " + *url_user +
                           " differ: give the user name once"};
    }
    const std::string username =
        !flags.username.empty() ? flags.username : url_user.value_or(defaults.username);
    if (!username.empty()) options.username = username;
    if (!flags.password_file.empty()) {
        auto password = read_secret_file(flags.password_file);
        if (!password) return password.failure();
        options.password = std::move(password.value());
    } else if (const char* from_env = std::getenv("CMDLINK_PASSWORD"); from_env != nullptr) {
        options.password = from_env;
    } else if (!defaults.password.empty() && username == defaults.username) {
        options.password = defaults.password;
    }
    if (options.password && !options.username) {
        return core::Error{"a password was given but no --username"};
    }
    options.credentials_origin = credentials_origin(flags, defaults, url_user, options);
    return options;
}

std::string password_source(const ConnectionFlags& flags, const ConnectionDefaults& defaults,
                            const net::MqttOptions& options) {
    if (!options.password) return "none";
    if (!flags.password_file.empty()) return "--password-file " + flags.password_file;
    if (std::getenv("CMDLINK_PASSWORD") != nullptr) return "$CMDLINK_PASSWORD";
    return defaults.password.empty() ? "none" : "the built-in default";
}

}  // namespace cmdlink::apps
