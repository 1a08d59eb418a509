#include "apps/commands/client_command.hpp"

#include <csignal>
#include <cstdlib>
#include <memory>

#include "apps/commands/command_error.hpp"
#include "apps/commands/command_table_file.hpp"
#include "apps/commands/config_flag.hpp"
#include "apps/commands/connection_flags.hpp"
#include "apps/commands/exit_codes.hpp"
#include "apps/commands/seconds_flag.hpp"
#include "apps/output/client_transcript.hpp"
#include "apps/output/console.hpp"
#include "core/text_checks.hpp"
#include "net/event_loop.hpp"
#include "net/mosquitto_library.hpp"

namespace cmdlink::apps {
namespace {

struct ClientFlags {
    ConfigFlag config;
    ConnectionFlags connection;
    std::string user_id;
    double connect_timeout_s = 10;
    double login_timeout_s = 10;
    double login_retry_s = 5;
    double idle_timeout_s = 30;
    int login_qos = 2;
    std::string commands_file;
    bool json = false;
    bool verbose = false;
    bool quiet = false;
};

const ConnectionDefaults kClientDefaults{"inet-mqtt-broker.mpi-inf.mpg.de", "student",
                                         "i_make_mqtt_cool"};

int exit_code_for(runner::ClientEnd end) {
    switch (end) {
        case runner::ClientEnd::kPassed:
            return kExitOk;
        case runner::ClientEnd::kCannotConnect:
            return kExitCannotConnect;
        case runner::ClientEnd::kLoginTimeout:
            return kExitLoginTimeout;
        case runner::ClientEnd::kIdleTimeout:
            return kExitIdleTimeout;
        case runner::ClientEnd::kInterrupted:
            return kExitInterrupted;
        case runner::ClientEnd::kFailed:
            return kExitFailed;
        case runner::ClientEnd::kRunning:
            break;
    }
    return kExitFailed;
}

// What --json ends with when the run stops before its exchange began (a bad flag value, a
// first connect that cannot even start): the same `summary` a run ends with, so that a
// script reading the stream always finds one last.
void emit_early_summary(const Console& console, const std::string& user_id,
                        std::string_view outcome) {
    console.emit({{"event", "summary"},
                  {"user_id", user_id},
                  {"t_ms", nullptr},
                  {"outcome", outcome},
                  {"session_id", ""},
                  {"commands", 0},
                  {"replies", 0},
                  {"unknown", 0},
                  {"ignored", 0},
                  {"reconnects", 0},
                  {"login_to_session_ms", nullptr},
                  {"total_ms", nullptr}});
}

int run_client(const ClientFlags& flags, const core::Status& configured, bool has_user_id) {
    Console console(verbosity_from_flags(flags.verbose, flags.quiet), flags.json, "client");
    const auto fail_early = [&](const core::Error& error) {
        const int code = report_failure(console, error);
        emit_early_summary(console, flags.user_id,
                           code == kExitCannotConnect ? "cannot_connect"
                           : code == kExitSystem      ? "system"
                                                      : "usage");
        return code;
    };
    const auto usage_error = [&](const std::string& message) {
        return fail_early(core::Error{message});
    };
    if (!configured) return fail_early(configured.failure());
    // Checked here rather than by CLI11, which would report it before an unknown flag, and
    // could not know that a config file may give it.
    if (!has_user_id) {
        return usage_error(
            "--user-id is required (on the command line, or user-id in the "
            "config file)");
    }
    if (auto why = core::check_user_id(flags.user_id)) {
        return usage_error("invalid --user-id '" + core::printable(flags.user_id) + "': " + *why);
    }
    auto table = load_command_table(flags.commands_file);
    if (!table) return usage_error(table.error());
    auto mqtt = to_mqtt_options(flags.connection, kClientDefaults, "cmdlink-" + flags.user_id);
    if (!mqtt) return usage_error(mqtt.error());
    // -v: every MQTT packet, with its QoS, on stderr.
    mqtt.value().log_packets = flags.verbose;

    const net::MosquittoLibrary library;
    auto loop = net::EventLoop::create();
    if (!loop) return fail_early(loop.failure());
    net::EventLoop& event_loop = *loop.value();

    core::ClientOptions options;
    options.user_id = flags.user_id;
    options.table = std::move(table.value());
    options.login_qos = flags.login_qos;
    options.login_timeout = seconds(flags.login_timeout_s);
    options.login_retry = seconds(flags.login_retry_s);
    options.idle_timeout = seconds(flags.idle_timeout_s);
    options.hear_verdict = true;

    ClientTranscript transcript(console, false,
                                [&](const runner::ClientRunner&) { event_loop.stop(); });
    auto client = runner::ClientRunner::create(event_loop, std::move(mqtt.value()),
                                               std::move(options), transcript);
    if (!client) return usage_error(client.error());
    runner::ClientRunner& runner = *client.value();

    // SIGHUP (the terminal closed) ends the run like SIGINT, with a clean disconnect and a
    // line naming it, rather than the silent exit 129 of its default action.
    auto signals = event_loop.on_signals({SIGINT, SIGTERM, SIGHUP}, [&](int signal) {
        console.log().warn("received {}: interrupted, disconnecting", net::signal_name(signal));
        runner.interrupt();
    });
    if (!signals) return fail_early(signals.failure());

    if (auto started = runner.start(seconds(flags.connect_timeout_s)); !started) {
        console.log().error("{}", started.error());
        console.emit(
            {{"event", "error"}, {"reason", "cannot_connect"}, {"message", started.error()}});
        emit_early_summary(console, flags.user_id, "cannot_connect");
        return kExitCannotConnect;
    }
    event_loop.run();
    return exit_code_for(runner.end());
}

}  // namespace

std::function<int()> add_client_command(CLI::App& app) {
    auto flags = std::make_shared<ClientFlags>();
    CLI::App* command = app.add_subcommand(
        "client", "The device side: log in, answer every command, wait for Well done my IoT!");
    command->footer(kExitCodeHelp);
    CLI::Option* user_id = command->add_option(
        "--user-id", flags->user_id, "Your user ID (e.g. matriculation number); required");
    add_connection_flags(*command, flags->connection, kClientDefaults);
    flags->config.default_path =
        user_config_path(std::getenv("XDG_CONFIG_HOME"), std::getenv("HOME"), "client.toml");
    add_config_flag(*command, flags->config);
    command
        ->add_option("--connect-timeout", flags->connect_timeout_s,
                     "Seconds to keep trying to connect (every --host in turn) before "
                     "giving up with exit code 3")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    command
        ->add_option("--login-timeout", flags->login_timeout_s,
                     "Seconds to wait for the session ID")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    command
        ->add_option("--login-retry", flags->login_retry_s,
                     "Seconds without a session ID after which the login is sent again")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    command
        ->add_option("--idle-timeout", flags->idle_timeout_s,
                     "Seconds to wait for the next command or the final message")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    command->add_option("--login-qos", flags->login_qos, "QoS of the login message")
        ->check(CLI::Range(0, 2))
        ->capture_default_str();
    command->add_option("--commands", flags->commands_file,
                        "Command table file (`CMD1 Apple` or TOML `CMD1 = \"Apple\"` lines)");
    command->add_flag("--json", flags->json, "One JSON object per event on stdout");
    command->add_flag("-v,--verbose", flags->verbose, "More detail on stderr");
    command->add_flag("-q,--quiet", flags->quiet, "Only warnings and errors on stderr");
    return [flags, command, user_id]() -> int {
        if (!command->parsed()) return -1;
        const bool username_given = command->get_option("--username")->count() > 0;
        const bool password_file_given = command->get_option("--password-file")->count() > 0;
        const core::Status configured = apply_config_flag(*command, flags->config);
        flags->connection.username_from_config =
            !username_given && !flags->connection.username.empty();
        flags->connection.password_file_from_config =
            !password_file_given && !flags->connection.password_file.empty();
        return run_client(*flags, configured, user_id->count() > 0);
    };
}

}  // namespace cmdlink::apps
