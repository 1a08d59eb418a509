#include "apps/commands/server_command.hpp"

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>

#include "apps/commands/command_error.hpp"
#include "apps/commands/config_flag.hpp"
#include "apps/commands/connection_flags.hpp"
#include "apps/commands/exit_codes.hpp"
#include "apps/commands/live_flags.hpp"
#include "apps/commands/seconds_flag.hpp"
#include "apps/commands/server_flags.hpp"
#include "apps/commands/session_pool_file.hpp"
#include "apps/output/console.hpp"
#include "apps/output/server_startup_line.hpp"
#include "apps/output/server_status.hpp"
#include "apps/output/server_transcript.hpp"
#include "apps/output/service_notifier.hpp"
#include "core/text_checks.hpp"
#include "ledger/previous_run.hpp"
#include "net/event_loop.hpp"
#include "net/mosquitto_library.hpp"
#include "runner/os_random.hpp"
#include "server/server.hpp"

namespace cmdlink::apps {
namespace {

struct ServerFlags {
    ConfigFlag config;
    ConnectionFlags connection;
    PolicyFlags policy;
    std::uint64_t stop_after = 0;
    double connect_timeout_s = std::chrono::duration<double>(runner::kServerConnectTimeout).count();
    std::string shared_group;
    std::string ledger = "cmdlink.db";
    bool grant_sessions = false;
    std::string session_pool;
    std::string log_file;
    LiveFlags live;
    bool json = false;
    bool verbose = false;
    bool quiet = false;
};

const ConnectionDefaults kServerDefaults{"127.0.0.1", "", ""};

// `--shared-group NAME`: logins through `$share/NAME/login`, so that the broker hands each
// login to one server of the group, and replies only for this server's own sessions.
core::Result<bool> apply_shared_group(const ServerFlags& flags, core::ServerPolicy& policy) {
    if (flags.shared_group.empty()) return true;
    if (auto why = core::check_command_name(flags.shared_group)) {
        return core::Error{"--shared-group: the group name " + why->substr(why->find(' ') + 1)};
    }
    // Two servers with one client ID would take the connection from each other in turn.
    if (flags.connection.client_id.empty()) {
        return core::Error{
            "--shared-group needs a --client-id of this server's own (unique in the group, "
            "stable across its restarts)"};
    }
    policy.login_subscription = "$share/" + flags.shared_group + "/login";
    policy.replies = core::ReplySubscription::kPerSession;
    return true;
}

std::string absolute_text(const std::string& path) {
    std::error_code error;
    const std::filesystem::path absolute = std::filesystem::absolute(path, error);
    return error ? path : absolute.lexically_normal().string();
}

int run_server(const ServerFlags& flags, const core::Status& configured) {
    Console console(verbosity_from_flags(flags.verbose, flags.quiet), flags.json, "server");
    const auto usage_error = [&](const std::string& message) {
        return report_failure(console, core::Error{message});
    };
    if (!configured) return report_failure(console, configured.failure());
    if (!flags.log_file.empty()) {
        if (auto opened = console.add_log_file(flags.log_file); !opened) {
            return report_failure(console, opened.failure());
        }
    }
    ServiceNotifier notifier;
    // Said once: a service manager that stopped listening would otherwise fill the log.
    bool notify_failed = false;
    const auto notified = [&](const core::Status& sent) {
        if (sent || notify_failed) return;
        notify_failed = true;
        console.log().warn("{}", sent.error());
    };
    auto policy = to_policy(flags.policy);
    if (!policy) return usage_error(policy.error());
    if (auto shared = apply_shared_group(flags, policy.value()); !shared) {
        return usage_error(shared.error());
    }
    auto mqtt = to_mqtt_options(flags.connection, kServerDefaults, "cmdlink-server");
    if (!mqtt) return usage_error(mqtt.error());
    const std::string broker_text = net::describe_brokers(mqtt.value());
    ServerStartup startup;
    startup.mqtt = &mqtt.value();
    startup.password_source = password_source(flags.connection, kServerDefaults, mqtt.value());
    startup.ledger = absolute_text(flags.ledger);
    startup.session_pool = flags.session_pool.empty() ? "" : absolute_text(flags.session_pool);
    startup.grant_sessions = flags.grant_sessions;
    startup.policy = &policy.value();
    console.log().info("{}", describe_server_startup(startup));

    auto ledger_writer = ledger::LedgerWriter::open(flags.ledger);
    if (!ledger_writer) return usage_error(ledger_writer.error());
    auto previous = ledger::load_previous_run(flags.ledger, policy.value().ended_retention);
    if (!previous) return usage_error(previous.error());
    server::ServerSetup setup;
    setup.mqtt = std::move(mqtt.value());
    setup.policy = std::move(policy.value());
    setup.grant_sessions = flags.grant_sessions;
    setup.stop_after = flags.stop_after;
    setup.ledger = ledger_writer.value().get();
    setup.previous = std::move(previous.value());
    if (!flags.session_pool.empty()) {
        auto loaded = load_session_pool(flags.session_pool, flags.ledger);
        if (!loaded) return usage_error(loaded.error());
        setup.pool.emplace(std::move(loaded.value()));
    }

    const net::MosquittoLibrary library;
    auto loop = net::EventLoop::create();
    if (!loop) return report_failure(console, loop.failure());
    net::EventLoop& event_loop = *loop.value();
    runner::OsRandom random;

    ServerStatus status(event_loop.now());
    ServerTranscript transcript(
        console, [&](std::string_view) { event_loop.stop(); },
        [&](const core::ServerEvent& event) { status.on_event(event); });
    bool ever_ready = false;
    transcript.set_on_ready([&] {
        const std::string serving = "serving logins from " + broker_text;
        notified(ever_ready ? notifier.status(serving) : notifier.ready(serving));
        ever_ready = true;
    });
    if (const auto& in_flight = setup.previous.in_flight; !in_flight.empty()) {
        console.log().warn("{} sessions left in flight by a previous run: restoring them",
                           in_flight.size());
    }
    auto live = start_live_view(
        flags.live, event_loop, transcript, setup.pool ? &*setup.pool : nullptr,
        [writer = ledger_writer.value().get()] { return writer->backlog(); }, console);
    if (!live) return usage_error(live.error());
    runner::ServerObserver& observer =
        live.value() ? live.value()->observer() : static_cast<runner::ServerObserver&>(transcript);
    auto created = server::Server::create(event_loop, std::move(setup), random, observer);
    if (!created) return report_failure(console, created.failure());
    server::Server& server = *created.value();

    // SIGHUP never stops the server: it is what log rotation sends (logrotate's postrotate,
    // systemctl reload), after renaming the log file away.
    const auto on_hangup = [&] {
        if (!console.has_log_file()) {
            console.log().info(
                "SIGHUP: nothing to reopen (no --log-file); the server keeps running");
            return;
        }
        notified(notifier.reloading());
        if (auto reopened = console.reopen_log_file(); !reopened) {
            console.log().error("SIGHUP: {}; logging on to the old file", reopened.error());
        } else {
            console.log().info("SIGHUP: log file {} reopened", flags.log_file);
        }
        notified(notifier.ready("serving logins from " + broker_text));
    };
    // The first SIGTERM drains (what service managers send before a restart); SIGINT, or a
    // second signal, interrupts at once (a person at the terminal who wants it to stop).
    auto signals = event_loop.on_signals({SIGINT, SIGTERM, SIGHUP}, [&](int signal) {
        console.log().info("received {}", net::signal_name(signal));
        console.emit({{"event", "signal"}, {"signal", net::signal_name(signal)}});
        if (signal == SIGHUP) return on_hangup();
        notified(notifier.stopping("stopping on " + std::string(net::signal_name(signal))));
        if (signal == SIGTERM && !server.issuer().draining()) {
            const std::size_t in_flight = server.issuer().active_sessions();
            console.log().warn(
                "terminated: taking no new sessions, letting the {} in flight end (SIGTERM or "
                "SIGINT again interrupts them)",
                in_flight);
            console.emit({{"event", "draining"}, {"sessions_in_flight", in_flight}});
            server.drain();
            return;
        }
        console.log().warn("{}: ending the sessions in flight and disconnecting",
                           signal == SIGINT ? "interrupted" : "terminated again");
        server.stop();
    });
    if (!signals) return report_failure(console, signals.failure());
    if (auto started = server.start(seconds(flags.connect_timeout_s)); !started) {
        console.log().error("{}", started.error());
        return kExitCannotConnect;
    }
    // Once a second, on a terminal only: never into a pipe or a log file.
    // And under a service manager, every 5 s as its STATUS= (systemctl status shows it).
    const bool on_terminal = console.status().enabled() && console.verbosity() != Verbosity::kQuiet;
    const auto status_period = std::chrono::seconds(on_terminal ? 1 : 5);
    std::uint64_t ticks = 0;
    std::function<void()> refresh_status;
    net::Timer status_timer(event_loop, [&] { refresh_status(); });
    refresh_status = [&] {
        const std::string line = status.tick(server.issuer(), event_loop.now());
        if (on_terminal) console.status().show(line);
        if (notifier.enabled() && ever_ready && (!on_terminal || ticks % 5 == 0)) {
            notified(notifier.status(line));
        }
        ++ticks;
        status_timer.arm(event_loop.now() + status_period);
    };
    if (on_terminal || notifier.enabled()) status_timer.arm(event_loop.now() + status_period);
    event_loop.run();
    console.status().clear();
    notified(notifier.stopping("stopped"));
    if (const auto& failure = server.ledger_failure()) {
        console.log().error("{}; the server stopped", *failure);
    }
    if (auto closed = ledger_writer.value()->close(); !closed) {
        if (!server.ledger_failure()) console.log().error("{}", closed.error());
        return kExitUsage;
    }
    if (server.ledger_failure()) return kExitUsage;
    if (const auto& refusal = server.shared_group_refusal()) {
        console.log().error("{}; the server stops (docs/scale-out.md)", *refusal);
        console.emit({{"event", "shared_group_refused"}, {"reason", *refusal}});
        return kExitNoSharedGroup;
    }
    if (const auto& refusal = server.refusal()) {
        console.log().error("{}; the server cannot work without it", *refusal);
        return kExitCannotConnect;
    }
    if (!server.ever_connected()) return kExitCannotConnect;
    return kExitOk;
}

}  // namespace

std::function<int()> add_server_command(CLI::App& app) {
    auto flags = std::make_shared<ServerFlags>();
    CLI::App* command = app.add_subcommand(
        "server", "The issuing side: session IDs, random commands, checked replies");
    command->footer(
        "Signals: SIGTERM drains (no new sessions; those in flight run to their end, then the "
        "server exits 0); SIGINT, or a second SIGTERM, ends the sessions in flight as "
        "interrupted and exits at once; SIGHUP reopens the --log-file and never stops it.\n"
        "Under systemd (Type=notify) it tells READY=1 once connected and subscribed, STATUS= "
        "lines, and STOPPING=1 (packaging/systemd/cmdlink-server.service).\n"
        "Exit codes: 0 stopped normally, 2 bad usage or input, or a ledger that cannot be "
        "opened or written, 3 cannot connect or authentication refused, 8 --shared-group on a "
        "broker that does not deliver shared subscriptions (docs/scale-out.md).");
    add_connection_flags(*command, flags->connection, kServerDefaults);
    flags->config.default_path = server_config_path(std::getenv("CONFIGURATION_DIRECTORY"));
    add_config_flag(*command, flags->config);
    add_policy_flags(*command, flags->policy);
    command
        ->add_option("--connect-timeout", flags->connect_timeout_s,
                     "Seconds to keep trying the first connection to the broker (later "
                     "losses are retried for ever)")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    command
        ->add_option("--stop-after", flags->stop_after,
                     "Stop once this many sessions have ended (0: run until SIGINT/SIGTERM)")
        ->capture_default_str();
    command->add_option("--shared-group", flags->shared_group,
                        "Share the logins with the other servers of this group (MQTT shared "
                        "subscription $share/NAME/login); needs --client-id");
    command
        ->add_option("--ledger", flags->ledger,
                     "SQLite file recording every session (created if missing)")
        ->capture_default_str();
    CLI::Option* pool = command->add_option(
        "--session-pool", flags->session_pool,
        "Roster broker (cmdlink broker-config): issue each student the next unused session ID "
        "of this pool file (OUT/session-pool); other user IDs are refused");
    command
        ->add_flag("--grant-sessions", flags->grant_sessions,
                   "Roster broker of broker-config --dynamic-security: grant each session's "
                   "topics to its student only, through the dynamic security plugin")
        ->excludes(pool);
    command->add_option("--log-file", flags->log_file,
                        "Also append the log lines to this file, with ISO-8601 times (date and "
                        "zone offset); SIGHUP reopens it (after logrotate renamed it away)");
    add_live_flags(*command, flags->live);
    command->add_flag("--json", flags->json, "One JSON object per event on stdout");
    command->add_flag("-v,--verbose", flags->verbose, "Every command and reply on stderr");
    command->add_flag("-q,--quiet", flags->quiet, "Only warnings and errors on stderr");
    return [flags, command]() -> int {
        if (!command->parsed()) return -1;
        const core::Status configured = apply_config_flag(*command, flags->config);
        return run_server(*flags, configured);
    };
}

}  // namespace cmdlink::apps
