#include "apps/commands/bench_command.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <memory>

#include "apps/bench/bench_run.hpp"
#include "apps/commands/bench_flags.hpp"
#include "apps/commands/command_error.hpp"
#include "apps/commands/connection_flags.hpp"
#include "apps/commands/exit_codes.hpp"
#include "apps/commands/server_flags.hpp"
#include "apps/output/console.hpp"
#include "broker/private_broker.hpp"
#include "net/mosquitto_library.hpp"
#include "os/process_resources.hpp"

namespace cmdlink::apps {
namespace {

const ConnectionDefaults kBenchDefaults{"127.0.0.1", "", ""};

std::string random_prefix() {
    std::uint32_t value = 0;
    arc4random_buf(&value, sizeof value);
    return fmt::format("b{:08x}-", value);
}

int run_bench(BenchFlags flags) {
    Console console(flags.quiet ? Verbosity::kQuiet : Verbosity::kNormal, flags.json, "bench");
    const auto usage_error = [&](const std::string& message) {
        return report_failure(console, core::Error{message});
    };
    if (flags.sessions == 0) return usage_error("--sessions must be at least 1");
    if (flags.user_prefix.empty()) flags.user_prefix = random_prefix();
    auto policy = to_policy(flags.policy);
    if (!policy) return usage_error(policy.error());
    const bool private_broker = !flags.connection.port.has_value();
    if (private_broker && flags.external_server) {
        return usage_error("--external-server needs --port: the server must know the broker");
    }

    // One socket per session in flight (net/wakeup_pair.hpp spares libmosquitto's two more).
    const std::size_t in_flight = flags.concurrency == 0 ? flags.sessions : flags.concurrency;
    const std::uint64_t wanted_fds = in_flight + 256;
    const std::uint64_t fd_limit = os::raise_open_file_limit(wanted_fds);
    if (fd_limit < wanted_fds) {
        console.log().warn("open-file limit {} is too low for {} sessions in flight (needs ~{})",
                           fd_limit, in_flight, wanted_fds);
    }

    std::unique_ptr<broker::PrivateBroker> broker;
    std::optional<pid_t> broker_pid;
    if (flags.broker_pid > 0) broker_pid = flags.broker_pid;
    if (private_broker) {
        broker::BrokerOptions options;
        auto started = broker::PrivateBroker::start(options);
        if (!started) return usage_error("cannot start a private broker: " + started.error());
        broker = std::move(started.value());
        flags.connection.port = broker->port();
        broker_pid = broker->pid();
        console.log().info("private mosquitto on 127.0.0.1:{} (pid {})", broker->port(),
                           broker->pid());
    }
    auto mqtt = to_mqtt_options(flags.connection, kBenchDefaults, "cmdlink-bench");
    if (!mqtt) return usage_error(mqtt.error());

    const net::MosquittoLibrary library;
    auto loop = net::EventLoop::create();
    if (!loop) return report_failure(console, loop.failure());
    return run_bench_sessions(
        flags, console, *loop.value(),
        BenchTarget{std::move(mqtt.value()), std::move(policy.value()), broker_pid, fd_limit});
}

}  // namespace

std::function<int()> add_bench_command(CLI::App& app) {
    auto flags = std::make_shared<BenchFlags>();
    // Enough for a loaded client to subscribe to its session, short enough not to hide
    // the exchange itself in the figures.
    flags->policy.delay_s = 0.2;
    CLI::App* command = app.add_subcommand(
        "bench", "Many client sessions from one process, with latency percentiles");
    command->footer(
        "Without --port, a private Mosquitto is started on a free loopback port.\n"
        "Exit codes: 0 every session passed, 1 some did not, 2 bad usage, 3 cannot connect, "
        "6 interrupted.");
    add_connection_flags(*command, flags->connection, kBenchDefaults);
    add_policy_flags(*command, flags->policy);
    command->add_option("--sessions", flags->sessions, "Client sessions in all")
        ->capture_default_str();
    command
        ->add_option("--concurrency", flags->concurrency,
                     "Sessions in flight at once (0: all of them)")
        ->capture_default_str();
    command->add_option("--ramp", flags->ramp, "New sessions per second (0: no limit)")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    command->add_option("--threads", flags->threads, "Client event-loop threads")
        ->check(CLI::Range(1U, 256U))
        ->capture_default_str();
    command->add_flag("--external-server", flags->external_server,
                      "Use a `cmdlink server` already running at the broker");
    command->add_option("--broker-pid", flags->broker_pid,
                        "Report this broker process's CPU time over the run");
    command->add_option("--user-prefix", flags->user_prefix,
                        "User IDs are <prefix><n> (default: b<random>-)");
    command
        ->add_option("--login-timeout", flags->login_timeout_s,
                     "Seconds each client waits for its session ID")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    command
        ->add_option("--idle-timeout", flags->idle_timeout_s,
                     "Seconds each client waits for a command or the end")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    command
        ->add_option("--connect-timeout", flags->connect_timeout_s,
                     "Seconds each client waits for its MQTT connection")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    command->add_flag("--json", flags->json, "One final JSON object on stdout");
    command->add_flag("-q,--quiet", flags->quiet, "No status line, only errors and the result");
    return [flags, command]() -> int {
        if (!command->parsed()) return -1;
        return run_bench(*flags);
    };
}

}  // namespace cmdlink::apps
