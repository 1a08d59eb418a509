#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "core/result.hpp"
#include "core/server_policy.hpp"

namespace cmdlink::apps {

// The policy flags shared by `server`, `demo` and `bench`.
struct PolicyFlags {
    double delay_s = 3;
    std::string commands = "3-11";  // MIN-MAX, N, or a command table file
    std::string command_table;
    std::string qos = "1";
    std::string pacing = "burst";
    double session_timeout_s = 30;
    bool strict = false;
    bool feedback = false;
    // Bounds the server's memory under a login flood (about 2-4 KB a session).
    std::size_t max_sessions = 10'000;
};

void add_policy_flags(CLI::App& command, PolicyFlags& flags);
core::Result<core::ServerPolicy> to_policy(const PolicyFlags& flags);

}  // namespace cmdlink::apps
