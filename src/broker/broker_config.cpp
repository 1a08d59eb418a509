#include "broker/broker_config.hpp"

#include "broker/loopback_port.hpp"

namespace cmdlink::broker {

BrokerFiles BrokerFiles::in(const std::filesystem::path& directory) {
    return BrokerFiles{
        .directory = directory,
        .config = directory / "mosquitto.conf",
        .log = directory / "mosquitto.log",
        .output = directory / "mosquitto.out",
        .passwords = directory / "passwords",
        .password_tool_output = directory / "mosquitto_passwd.out",
        .acl = directory / "acl",
    };
}

std::string render_broker_config(const BrokerOptions& options, const BrokerFiles& files, int port,
                                 const std::optional<std::string>& run_as_user,
                                 std::string_view bind_address) {
    std::string text = "# Written by cmdlink.\n";
    if (run_as_user) {
        text +=
            "\n# Started as root, mosquitto would switch to the user 'mosquitto', who cannot\n"
            "# write this directory.\n"
            "user " +
            *run_as_user + "\n";
    }

    text += bind_address == kLoopbackAddress
                ? "\n# Loopback only.\n"
                : "\n# Reachable from other hosts: consider TLS (see mosquitto.conf(5)).\n";
    text += "listener " + std::to_string(port) + " " + std::string(bind_address) + "\n";
    text +=
        "\n# Without it Nagle's algorithm costs ~44 ms per QoS 1 round trip.\n"
        "set_tcp_nodelay true\n"
        "\n# Mosquitto 2.0.11 drops messages beyond the queue limit and has inflight-quota\n"
        "# bugs; tests and benchmarks send bursts.\n"
        "max_queued_messages 100000\n"
        "max_queued_bytes 0\n"
        "max_inflight_messages 0\n"
        "max_inflight_bytes 0\n";

    text += "\n";
    if (options.roster) {
        const RosterSecurity& roster = *options.roster;
        text += "allow_anonymous false\npassword_file " + roster.password_file.string() + "\n";
        if (!roster.acl_file.empty()) text += "acl_file " + roster.acl_file.string() + "\n";
        if (!roster.login_plugin.empty()) {
            // Before any other plugin: Mosquitto asks plugins in the order they are loaded,
            // and this one only ever denies or defers.
            text += "\n# Logins and client IDs bound to accounts.\nplugin " +
                    roster.login_plugin.string() + "\nplugin_opt_account_map " +
                    roster.account_map.string() + "\nplugin_opt_logins_per_minute " +
                    std::to_string(roster.logins_per_minute) + "\nplugin_opt_login_burst " +
                    std::to_string(roster.login_burst) + "\n";
            if (roster.trust_other_accounts) text += "plugin_opt_other_accounts trust\n";
        }
        if (!roster.dynsec_plugin.empty()) {
            // The password file checks passwords; the plugin decides every topic access.
            text += "plugin " + roster.dynsec_plugin.string() + "\nplugin_opt_config_file " +
                    roster.dynsec_config.string() + "\n";
        }
    } else if (options.users.empty()) {
        text += "allow_anonymous true\n";
    } else {
        text += "allow_anonymous false\npassword_file " + files.passwords.string() + "\n";
    }
    if (!options.acl_file_text.empty()) text += "acl_file " + files.acl.string() + "\n";

    if (options.persistence) {
        // Mosquitto appends the file name to the location as is, hence the trailing slash.
        text += "\npersistence true\npersistence_location " + files.directory.string() +
                "/\npersistence_file mosquitto.db\nautosave_interval 1\n";
    } else {
        text += "\npersistence false\n";
    }

    text += "\nlog_dest file " + files.log.string() + "\n";
    if (options.verbose_log) {
        text += "log_type all\n";
    } else {
        text += "log_type error\nlog_type warning\n";
    }
    text += "log_timestamp true\nlog_timestamp_format %Y-%m-%dT%H:%M:%S\n";

    if (!options.extra_config.empty()) {
        text += "\n# extra_config\n" + options.extra_config;
        if (options.extra_config.back() != '\n') text += "\n";
    }
    return text;
}

}  // namespace cmdlink::broker
