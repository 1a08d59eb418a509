#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>

#include "apps/commands/bench_flags.hpp"
#include "apps/output/console.hpp"
#include "core/server_policy.hpp"
#include "net/event_loop.hpp"
#include "net/mqtt_options.hpp"

namespace cmdlink::apps {

// Where the bench's sessions go, once the broker is known.
struct BenchTarget {
    net::MqttOptions mqtt;
    core::ServerPolicy policy;
    std::optional<pid_t> broker_pid;  // its CPU time is reported when known
    std::uint64_t fd_limit = 0;
};

// Runs the sessions: the in-process server (unless --external-server) and each client thread
// on loops of their own, `main_loop` for signals and the status line. Returns the exit code.
int run_bench_sessions(const BenchFlags& flags, Console& console, net::EventLoop& main_loop,
                       BenchTarget target);

}  // namespace cmdlink::apps
