#include "apps/commands/broker_config_command.hpp"

#include <memory>

#include "apps/commands/connection_flags.hpp"
#include "apps/commands/exit_codes.hpp"
#include "apps/commands/random_password.hpp"
#include "apps/output/console.hpp"
#include "broker/roster_setup.hpp"
#include "isolation/roster.hpp"
#include "os/text_file.hpp"
#include "runner/os_random.hpp"

namespace cmdlink::apps {
namespace {

constexpr const char* kServerPasswordFile = "server-password";

struct BrokerConfigFlags {
    std::string roster;
    std::string out;
    std::string server_user = "cmdlink-server";
    std::string server_password_file;
    int port = 1883;
    std::string bind = "127.0.0.1";
    std::string mosquitto = "mosquitto";
    std::size_t sessions_per_student = 50;
    bool dynamic_security = false;
    std::string dynsec_plugin;
    std::string login_plugin;
    int logins_per_minute = 30;
    int login_burst = 10;
};

int run_broker_config(const BrokerConfigFlags& flags) {
    Console console(verbosity_from_flags(false, false), false);
    const auto usage_error = [&](const std::string& message) {
        console.log().error("{}", message);
        return kExitUsage;
    };
    auto text = os::read_whole_file(flags.roster, "the roster");
    if (!text) return usage_error(text.error());
    auto roster = isolation::parse_roster(text.value());
    if (!roster) return usage_error(flags.roster + ": nothing written:\n" + roster.error());

    broker::RosterSetupOptions options;
    options.directory = flags.out;
    options.server_user = flags.server_user;
    options.port = flags.port;
    options.bind_address = flags.bind;
    options.mosquitto = flags.mosquitto;
    options.sessions_per_student = flags.sessions_per_student;
    options.dynamic_security = flags.dynamic_security;
    options.dynsec_plugin = flags.dynsec_plugin;
    options.login_plugin = flags.login_plugin;
    options.logins_per_minute = flags.logins_per_minute;
    options.login_burst = flags.login_burst;
    runner::OsRandom random;
    const bool generated = flags.server_password_file.empty();
    if (generated) {
        options.server_password = random_password(random);
    } else {
        auto password = read_secret_file(flags.server_password_file);
        if (!password) return usage_error(password.error());
        options.server_password = std::move(password.value());
    }
    auto written = broker::write_roster_setup(roster.value(), options, random);
    if (!written) return usage_error("nothing written: " + written.error());

    const broker::RosterSetup& setup = written.value();
    const std::filesystem::path directory = setup.security.password_file.parent_path();
    std::string password_file = flags.server_password_file;
    if (generated) {
        password_file = (directory / kServerPasswordFile).string();
        auto saved = os::write_file_atomically(password_file, options.server_password, 0600);
        if (!saved) return usage_error(saved.error());
    }
    console.log().info("{} students; wrote {}/mosquitto.conf, passwords, accounts, {}{}",
                       roster.value().size(), directory.string(),
                       flags.dynamic_security
                           ? std::string("dynamic-security.json")
                           : "acl, session-pool (" + std::to_string(flags.sessions_per_student) +
                                 " session IDs per student)",
                       generated ? std::string(", ") + kServerPasswordFile : "");
    console.log().info("start the broker: mosquitto -c {}/mosquitto.conf", directory.string());
    console.log().info(
        "start the server: cmdlink server --host {} --port {} --username {} --password-file {} "
        "{}",
        flags.bind == "0.0.0.0" ? "127.0.0.1" : flags.bind, flags.port, flags.server_user,
        password_file,
        flags.dynamic_security ? std::string("--grant-sessions")
                               : "--session-pool " + setup.session_pool.string());
    return kExitOk;
}

}  // namespace

std::function<int()> add_broker_config_command(CLI::App& app) {
    auto flags = std::make_shared<BrokerConfigFlags>();
    CLI::App* command = app.add_subcommand(
        "broker-config",
        "Mosquitto config, password file, acl file and session pool that isolate the students of "
        "a roster");
    command->footer(
        "The roster is CSV with the header `username,password,user_id`; a password that "
        "starts with $6$ or $7$ is taken as a mosquitto_passwd hash. See docs/isolation.md. "
        "Exit codes: 0 written, 2 bad roster or usage (nothing written).");
    command->add_option("--roster", flags->roster, "CSV roster of the students")
        ->required()
        ->check(CLI::ExistingFile);
    command->add_option("--out", flags->out, "Directory for the files (created if missing)")
        ->required();
    command->add_option("--server-user", flags->server_user, "The server's account")
        ->capture_default_str();
    command->add_option("--server-password-file", flags->server_password_file,
                        "First line: the server's password (default: a random one, written to "
                        "OUT/server-password)");
    command->add_option("--port", flags->port, "The broker's listener port")
        ->check(CLI::Range(1, 65535))
        ->capture_default_str();
    command->add_option("--bind", flags->bind, "The listener's address")->capture_default_str();
    command
        ->add_option("--mosquitto", flags->mosquitto,
                     "The mosquitto executable (its mosquitto_passwd hashes the passwords)")
        ->capture_default_str();
    command
        ->add_option("--sessions-per-student", flags->sessions_per_student,
                     "Session IDs drawn in advance for each student (OUT/session-pool); a "
                     "student with none left is refused a session")
        ->check(CLI::Range(1, 100000))
        ->capture_default_str();
    command->add_flag("--dynamic-security", flags->dynamic_security,
                      "Instead of session pools and an acl_file: the dynamic security plugin, "
                      "the server granting each session (server --grant-sessions); the broker "
                      "then disconnects a student at each new session");
    command->add_option("--dynsec-plugin", flags->dynsec_plugin,
                        "With --dynamic-security: path of mosquitto_dynamic_security.so "
                        "(default: looked up)");
    command->add_option("--login-plugin", flags->login_plugin,
                        "Path of cmdlink_auth.so, the plugin that binds logins and client IDs to "
                        "accounts (default: next to this cmdlink)");
    command
        ->add_option("--logins-per-minute", flags->logins_per_minute,
                     "Logins each student's account may publish per minute (the plugin's "
                     "token bucket); more are dropped by the broker")
        ->check(CLI::Range(1, 60000))
        ->capture_default_str();
    command
        ->add_option("--login-burst", flags->login_burst,
                     "Logins a student's account may publish at once after a quiet spell")
        ->check(CLI::Range(1, 10000))
        ->capture_default_str();
    return [flags, command]() -> int {
        if (!command->parsed()) return -1;
        return run_broker_config(*flags);
    };
}

}  // namespace cmdlink::apps
