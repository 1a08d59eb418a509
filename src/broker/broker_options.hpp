#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace cmdlink::broker {

struct BrokerUser {
    std::string username;
    std::string password;
};

// The security of a roster setup (`cmdlink broker-config`, docs/isolation.md): its password
// file, and either a classic acl_file (pool mode) or the dynamic security plugin with its
// config (dynamic-security mode); the paths of the mode not in use are empty.
struct RosterSecurity {
    std::filesystem::path password_file;
    std::filesystem::path acl_file;
    std::filesystem::path dynsec_plugin;
    std::filesystem::path dynsec_config;
    // The cmdlink_auth plugin binding logins and client IDs to accounts, and its account map
    // (docs/isolation.md); empty: not loaded.
    std::filesystem::path login_plugin;
    std::filesystem::path account_map;
    int logins_per_minute = 30;
    int login_burst = 10;
    // Let accounts that are neither the server's nor a student's (the observer) connect, with
    // client IDs nobody else owns (the plugin's other_accounts trust).
    bool trust_other_accounts = false;
};

struct BrokerOptions {
    // Keep sessions and queued messages in a database in the broker's directory, saved every
    // second and on a clean stop, so that they survive stop()/kill() and restart().
    bool persistence = false;
    // Empty: anyone may connect. Otherwise only these users, with these passwords.
    std::vector<BrokerUser> users;
    // Mosquitto ACL file text; empty means no ACL.
    std::string acl_file_text;
    // When set, replaces `users` and `acl_file_text`.
    std::optional<RosterSecurity> roster;
    // Appended verbatim to the generated mosquitto.conf.
    std::string extra_config;
    // A name looked up in PATH, /usr/sbin and /sbin, or a path (anything with a slash).
    std::string executable = "mosquitto";
    // Log everything (log_type all) instead of only errors and warnings.
    bool verbose_log = false;
};

}  // namespace cmdlink::broker
