#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "broker/broker_options.hpp"
#include "core/random_source.hpp"
#include "core/result.hpp"
#include "isolation/roster.hpp"

namespace cmdlink::broker {

struct RosterSetupOptions {
    std::filesystem::path directory;  // created (0700) when missing
    std::string server_user = "cmdlink-server";
    std::string server_password;  // plain text or a mosquitto_passwd hash
    int port = 1883;
    std::string bind_address = "127.0.0.1";
    std::string mosquitto = "mosquitto";  // its mosquitto_passwd hashes the passwords
    // Pool mode (the default): how many session IDs each student's pool holds.
    std::size_t sessions_per_student = 50;
    // Instead of pools and an acl_file: the dynamic security plugin, with the server granting
    // each session's topics at run time (`cmdlink server --grant-sessions`).
    bool dynamic_security = false;
    std::filesystem::path dynsec_plugin;  // empty: looked up in the usual directories
    // The cmdlink_auth plugin (logins and client IDs bound to accounts), loaded in both modes;
    // empty: looked up (find_login_plugin).
    std::filesystem::path login_plugin;
    int logins_per_minute = 30;  // per student, the plugin's token bucket
    int login_burst = 10;
    // Further listeners on bind_address: TLS with this certificate and key (both or neither)
    // on tls_port, and MQTT over WebSockets on websockets_port (0: none).
    std::filesystem::path tls_cert;
    std::filesystem::path tls_key;
    int tls_port = 8883;
    int websockets_port = 0;
    // An account that may read every topic and write none, for an instructor watching the
    // sessions (empty: none).
    std::string observer_user;
    std::string observer_password;  // plain text or a mosquitto_passwd hash
};

// What write_roster_setup wrote: the security part, for a PrivateBroker that runs with it,
// and the pool file for `cmdlink server --session-pool` (empty with dynamic security).
struct RosterSetup {
    RosterSecurity security;
    std::filesystem::path session_pool;
};

// Writes mosquitto.conf, passwords and accounts (the login plugin's map), then in pool mode acl and
// session-pool, with dynamic security dynamic-security.json, into the directory (all 0600), each
// atomically; nothing at all when an input is wrong. `random` draws the pooled session IDs: they
// must be unguessable, so outside tests it is the OS's CSPRNG.
core::Result<RosterSetup> write_roster_setup(const std::vector<isolation::RosterEntry>& roster,
                                             const RosterSetupOptions& options,
                                             core::RandomSource& random);

// Adds the students of `roster` to the setup write_roster_setup made in options.directory,
// in the mode it has there: their accounts to passwords and accounts, then in pool mode their
// session IDs to session-pool and their rules to acl, with dynamic security their roles to
// dynamic-security.json. Everything already there stays as it was, byte for byte: no other
// student's password, pool or rules change. Of `options`, only directory, mosquitto and
// sessions_per_student count. A user name or user ID the setup has already is refused, and
// then nothing is written. The broker reads the new files when it (re)starts.
core::Result<RosterSetup> add_to_roster_setup(const std::vector<isolation::RosterEntry>& roster,
                                              const RosterSetupOptions& options,
                                              core::RandomSource& random);

// Where the cmdlink_auth plugin is: next to the running executable (the build tree puts
// cmdlink and cmdlink_auth.so in one directory), in <its directory>/../lib/cmdlink, or where
// this build made it.
core::Result<std::filesystem::path> find_login_plugin();

// Where Mosquitto's dynamic security plugin is, or how to get it.
core::Result<std::filesystem::path> find_dynsec_plugin();

}  // namespace cmdlink::broker
