#include "apps/commands/broker_config_command.hpp"

#include <filesystem>
#include <memory>

#include "apps/commands/connection_flags.hpp"
#include "apps/commands/exit_codes.hpp"
#include "apps/commands/random_password.hpp"
#include "apps/output/console.hpp"
#include "apps/output/results_format.hpp"
#include "broker/roster_setup.hpp"
#include "isolation/roster.hpp"
#include "isolation/roster_columns.hpp"
#include "os/text_file.hpp"
#include "runner/os_random.hpp"

namespace cmdlink::apps {
namespace {

constexpr const char* kServerPasswordFile = "server-password";
constexpr const char* kObserverPasswordFile = "observer-password";
constexpr const char* kHandoutFile = "handout.csv";

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
    std::string tls_cert;
    std::string tls_key;
    int tls_port = 8883;
    int websockets_port = 0;
    std::string observer_user = "cmdlink-observer";
    bool roster_passwords = false;
    std::string columns;
    std::string add;
};

// One row per student for a mail merge: what each needs to connect, and nothing else.
std::string handout_text(const std::vector<isolation::RosterEntry>& roster) {
    TextTable table{{"username", "password", "user_id"}, {}};
    for (const isolation::RosterEntry& entry : roster) {
        table.rows.push_back({entry.username, entry.password, entry.user_id});
    }
    return render_csv(table);
}

// `--add ROSTER`: the new students into the setup in --out, nothing else touched.
int add_students(Console& console, const BrokerConfigFlags& flags,
                 const std::vector<isolation::RosterEntry>& roster, runner::OsRandom& random) {
    broker::RosterSetupOptions options;
    options.directory = flags.out;
    options.mosquitto = flags.mosquitto;
    options.sessions_per_student = flags.sessions_per_student;
    auto added = broker::add_to_roster_setup(roster, options, random);
    if (!added) {
        console.log().error("{}: nothing written:\n{}", flags.add, added.error());
        return kExitUsage;
    }
    const std::filesystem::path directory = added.value().security.password_file.parent_path();
    if (!flags.roster_passwords) {
        const std::filesystem::path handout = directory / kHandoutFile;
        std::error_code error;
        const bool existed = std::filesystem::exists(handout, error);
        std::string text;
        if (existed) {
            auto old = os::read_whole_file(handout, "the handout");
            if (!old) {
                console.log().error("{}", old.error());
                return kExitUsage;
            }
            // The new rows after the old ones; the header once.
            const std::string rows = handout_text(roster);
            text = old.value() + rows.substr(rows.find("\r\n") + 2);
        } else {
            text = handout_text(roster);
        }
        if (auto saved = os::write_file_atomically(handout, text, 0600); !saved) {
            console.log().error("{}", saved.error());
            return kExitUsage;
        }
        console.log().info(
            "random passwords of the {} new students: their rows are at the end "
            "of {}",
            roster.size(), handout.string());
    }
    console.log().info(
        "added {} students to {} (the others' passwords, pools and rules unchanged); restart "
        "the broker, then the server, so that they read the new files",
        roster.size(), directory.string());
    return kExitOk;
}

int run_broker_config(const BrokerConfigFlags& flags) {
    Console console(verbosity_from_flags(false, false), false, "broker-config");
    const auto usage_error = [&](const std::string& message) {
        console.log().error("{}", message);
        return kExitUsage;
    };
    const std::string roster_path = flags.add.empty() ? flags.roster : flags.add;
    if (roster_path.empty()) return usage_error("--roster FILE (or --add FILE) is required");
    auto text = os::read_whole_file(roster_path, "the roster");
    if (!text) return usage_error(text.error());
    isolation::RosterColumns columns;
    if (!flags.columns.empty()) {
        auto mapped = isolation::parse_column_mapping(flags.columns);
        if (!mapped) return usage_error(mapped.error());
        columns = std::move(mapped.value());
    }
    auto roster = isolation::read_roster(text.value(), columns, flags.roster_passwords);
    if (!roster) return usage_error(roster_path + ": nothing written:\n" + roster.error());
    runner::OsRandom random;
    if (!flags.roster_passwords) {
        for (isolation::RosterEntry& entry : roster.value()) {
            entry.password = random_password(random);
            entry.hashed = false;
        }
    }
    if (!flags.add.empty()) return add_students(console, flags, roster.value(), random);

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
    options.tls_cert = flags.tls_cert;
    options.tls_key = flags.tls_key;
    options.tls_port = flags.tls_port;
    options.websockets_port = flags.websockets_port;
    options.observer_user = flags.observer_user;
    if (!flags.observer_user.empty()) options.observer_password = random_password(random);
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
    if (!flags.observer_user.empty()) {
        auto saved = os::write_file_atomically(directory / kObserverPasswordFile,
                                               options.observer_password, 0600);
        if (!saved) return usage_error(saved.error());
    }
    if (!flags.roster_passwords) {
        auto saved =
            os::write_file_atomically(directory / kHandoutFile, handout_text(roster.value()), 0600);
        if (!saved) return usage_error(saved.error());
        console.log().info(
            "random passwords: {}/{} has each student's user name, password and user ID (CSV "
            "for a mail merge; give each student their own row only)",
            directory.string(), kHandoutFile);
    }
    if (!flags.observer_user.empty()) {
        console.log().info(
            "observer account {} (reads every topic, writes none): password in {}/{}",
            flags.observer_user, directory.string(), kObserverPasswordFile);
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
        "The roster is CSV (`,` or `;`, a UTF-8 byte order mark allowed, as spreadsheets "
        "export it) whose header names the columns: username and user_id (others are ignored; "
        "--columns maps other names). Each student gets a random password, listed in "
        "OUT/handout.csv; with --roster-passwords the roster's password column is used instead "
        "(one starting with $6$ or $7$ is taken as a mosquitto_passwd hash). See "
        "docs/isolation.md. "
        "Exit codes: 0 written, 2 bad roster or usage (nothing written).");
    CLI::Option* roster =
        command->add_option("--roster", flags->roster, "CSV roster of the students")
            ->check(CLI::ExistingFile);
    command
        ->add_option("--add", flags->add,
                     "Instead of --roster: add this roster's students to the setup in --out, "
                     "leaving every other student's password, pool and rules as they are "
                     "(the mode and listeners stay; restart the broker and the server after)")
        ->check(CLI::ExistingFile)
        ->excludes(roster);
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
    command
        ->add_option("--bind", flags->bind,
                     "The listeners' address: 127.0.0.1 (the default) lets only this machine "
                     "connect; 0.0.0.0 every network interface, so that students on other "
                     "machines can (then use --tls-cert/--tls-key); or one interface's address")
        ->capture_default_str();
    CLI::Option* cert =
        command
            ->add_option("--tls-cert", flags->tls_cert,
                         "PEM certificate (chain) of a TLS listener on --tls-port; clients "
                         "connect with --tls --cafile CA (needs --tls-key)")
            ->check(CLI::ExistingFile);
    CLI::Option* key = command
                           ->add_option("--tls-key", flags->tls_key,
                                        "PEM private key of --tls-cert (readable by the broker)")
                           ->check(CLI::ExistingFile);
    cert->needs(key);
    key->needs(cert);
    command->add_option("--tls-port", flags->tls_port, "The TLS listener's port")
        ->check(CLI::Range(1, 65535))
        ->capture_default_str();
    command
        ->add_option("--websockets", flags->websockets_port,
                     "Also listen for MQTT over WebSockets on this port (ws://HOST:PORT), for "
                     "networks that let only HTTP through")
        ->check(CLI::Range(1, 65535));
    command
        ->add_option("--observer-user", flags->observer_user,
                     "An account that may read every topic and write none (password: "
                     "OUT/observer-password); empty: none")
        ->capture_default_str();
    command->add_flag("--roster-passwords", flags->roster_passwords,
                      "Take the passwords from the roster's password column instead of drawing "
                      "random ones");
    command->add_option("--columns", flags->columns,
                        "The roster's column names when they differ: "
                        "username=NAME,user_id=NAME,password=NAME (any of them)");
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
