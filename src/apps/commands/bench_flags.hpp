#pragma once

#include <algorithm>
#include <string>
#include <thread>

#include "apps/commands/connection_flags.hpp"
#include "apps/commands/server_flags.hpp"

namespace cmdlink::apps {

// What `cmdlink bench` is asked to do.
struct BenchFlags {
    ConnectionFlags connection;
    PolicyFlags policy;
    std::size_t sessions = 1000;
    std::size_t concurrency = 0;
    double ramp = 1000;
    unsigned threads = std::max(1U, std::thread::hardware_concurrency());
    bool external_server = false;
    int broker_pid = 0;
    std::string user_prefix;
    double login_timeout_s = 30;
    double idle_timeout_s = 60;
    double connect_timeout_s = 30;
    bool json = false;
    bool quiet = false;
};

}  // namespace cmdlink::apps
