#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "broker/broker_options.hpp"
#include "broker/roster.hpp"
#include "core/result.hpp"

namespace cmdlink::broker {

struct RosterSetupOptions {
    std::filesystem::path directory;  // created (0700) when missing
    std::string server_user = "cmdlink-server";
    std::string server_password;  // plain text or a mosquitto_passwd hash
    int port = 1883;
    std::string bind_address = "127.0.0.1";
    std::string mosquitto = "mosquitto";  // its mosquitto_passwd hashes the passwords
    std::filesystem::path dynsec_plugin;  // empty: looked up in the usual directories
};

// Writes mosquitto.conf, passwords (0600) and dynamic-security.json (0600) into the
// directory, each atomically; nothing at all when an input is wrong. The value is the
// security part of the setup, for a PrivateBroker that runs with it.
core::Result<RosterSecurity> write_roster_setup(const std::vector<RosterEntry>& roster,
                                                const RosterSetupOptions& options);

// Where Mosquitto's dynamic security plugin is, or how to get it.
core::Result<std::filesystem::path> find_dynsec_plugin();

}  // namespace cmdlink::broker
