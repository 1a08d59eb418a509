#include "apps/server_command.hpp"

#include <csignal>
#include <memory>

#include "apps/connection_flags.hpp"
#include "apps/console.hpp"
#include "apps/exit_codes.hpp"
#include "apps/server_flags.hpp"
#include "apps/server_transcript.hpp"
#include "net/mosquitto_library.hpp"
#include "runner/os_random.hpp"

namespace cmdlink::apps {
namespace {

struct ServerFlags {
    ConnectionFlags connection;
    PolicyFlags policy;
    std::uint64_t stop_after = 0;
    bool grant_sessions = false;
    bool json = false;
    bool verbose = false;
    bool quiet = false;
};

const ConnectionDefaults kServerDefaults{"127.0.0.1", "", ""};

int run_server(const ServerFlags& flags) {
    Console console(verbosity_from_flags(flags.verbose, flags.quiet), flags.json);
    const auto usage_error = [&](const std::string& message) {
        console.log().error("{}", message);
        console.emit({{"event", "error"}, {"reason", "usage"}, {"message", message}});
        return kExitUsage;
    };
    auto policy = to_policy(flags.policy);
    if (!policy) return usage_error(policy.error());
    auto mqtt = to_mqtt_options(flags.connection, kServerDefaults, "cmdlink-server");
    if (!mqtt) return usage_error(mqtt.error());

    const net::MosquittoLibrary library;
    auto loop = net::EventLoop::create();
    if (!loop) return usage_error(loop.error());
    net::EventLoop& event_loop = *loop.value();
    runner::OsRandom random;

    std::unique_ptr<runner::ServerRunner> server;
    std::uint64_t sessions_ended = 0;
    ServerTranscript transcript(
        console, [&](std::string_view) { event_loop.stop(); },
        [&](const core::ServerEvent& event) {
            if (!std::holds_alternative<core::server_event::SessionEnded>(event)) return;
            if (++sessions_ended == flags.stop_after) server->stop();
        });

    auto created = runner::ServerRunner::create(event_loop, std::move(mqtt.value()),
                                                std::move(policy.value()), random, transcript);
    if (!created) return usage_error(created.error());
    server = std::move(created.value());
    server->grant_session_access(flags.grant_sessions);

    auto signals = event_loop.on_signals({SIGINT, SIGTERM}, [&](int signal) {
        console.log().warn("{}: ending the sessions in flight and disconnecting",
                           signal == SIGINT ? "interrupted" : "terminated");
        server->stop();
    });
    if (!signals) return usage_error(signals.error());
    if (auto started = server->start(); !started) {
        console.log().error("{}", started.error());
        return kExitCannotConnect;
    }
    event_loop.run();
    if (!server->ever_connected()) return kExitCannotConnect;
    return kExitOk;
}

}  // namespace

std::function<int()> add_server_command(CLI::App& app) {
    auto flags = std::make_shared<ServerFlags>();
    CLI::App* command = app.add_subcommand(
        "server", "The issuing side: session IDs, random commands, checked replies");
    command->footer(
        "Exit codes: 0 stopped normally, 2 bad usage or input, 3 cannot connect or "
        "authentication refused.");
    add_connection_flags(*command, flags->connection, kServerDefaults);
    add_policy_flags(*command, flags->policy);
    command
        ->add_option("--stop-after", flags->stop_after,
                     "Stop once this many sessions have ended (0: run until SIGINT/SIGTERM)")
        ->capture_default_str();
    command->add_flag("--grant-sessions", flags->grant_sessions,
                      "Roster broker (cmdlink broker-config): grant each session's topics to its "
                      "student only, through the dynamic security plugin");
    command->add_flag("--json", flags->json, "One JSON object per event on stdout");
    command->add_flag("-v,--verbose", flags->verbose, "Every command and reply on stderr");
    command->add_flag("-q,--quiet", flags->quiet, "Only warnings and errors on stderr");
    return [flags, command]() -> int {
        if (!command->parsed()) return -1;
        return run_server(*flags);
    };
}

}  // namespace cmdlink::apps
