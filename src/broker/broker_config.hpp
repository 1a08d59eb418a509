#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "broker/broker_options.hpp"

namespace cmdlink::broker {

// Where each file of a private broker lives; all of them are inside its own directory.
struct BrokerFiles {
    std::filesystem::path directory;
    std::filesystem::path config;
    std::filesystem::path log;                   // mosquitto's own log (log_dest file)
    std::filesystem::path output;                // mosquitto's stdout and stderr
    std::filesystem::path passwords;             // made by mosquitto_passwd
    std::filesystem::path password_tool_output;  // mosquitto_passwd's stdout and stderr
    std::filesystem::path acl;

    static BrokerFiles in(const std::filesystem::path& directory);
};

// The text of mosquitto.conf for a broker listening on `bind_address`:`port`.
// `run_as_user`: the name for the `user` option, needed when mosquitto starts as root.
std::string render_broker_config(const BrokerOptions& options, const BrokerFiles& files, int port,
                                 const std::optional<std::string>& run_as_user,
                                 std::string_view bind_address = "127.0.0.1");

}  // namespace cmdlink::broker
