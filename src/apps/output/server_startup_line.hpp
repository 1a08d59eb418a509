#pragma once

#include <string>

#include "core/server_policy.hpp"
#include "net/mqtt_options.hpp"

namespace cmdlink::apps {

// What the server runs with, for its one start-up line: the line an administrator reads
// first in a service's log to see which broker, account, ledger and policy it took (from
// the flags, a config file, or the defaults).
struct ServerStartup {
    const net::MqttOptions* mqtt = nullptr;
    std::string password_source;  // password_source() of connection_flags.hpp
    std::string ledger;           // as an absolute path
    std::string session_pool;     // empty: none
    bool grant_sessions = false;
    const core::ServerPolicy* policy = nullptr;
};

std::string describe_server_startup(const ServerStartup& startup);

}  // namespace cmdlink::apps
