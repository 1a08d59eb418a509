#include "broker/roster_setup.hpp"

#include <sys/stat.h>
#include <sys/wait.h>

#include <cerrno>
#include <chrono>
#include <nlohmann/json.hpp>
#include <set>
#include <unordered_set>

#include "broker/broker_config.hpp"
#include "broker/child_process.hpp"
#include "broker/private_broker.hpp"
#include "broker/temp_directory.hpp"
#include "broker_plugin/account_map.hpp"
#include "broker_plugin/plugin_options.hpp"
#include "core/text_lines.hpp"
#include "isolation/dynsec_config.hpp"
#include "isolation/pool_acl.hpp"
#include "isolation/pool_setup.hpp"
#include "isolation/session_pool_file.hpp"
#include "os/system_error_text.hpp"
#include "os/text_file.hpp"

namespace cmdlink::broker {

using isolation::RosterEntry;

namespace {

constexpr std::chrono::milliseconds kHashTimeout{60000};
constexpr std::string_view kDynsecFile = "dynamic-security.json";
constexpr std::string_view kSessionPoolFile = "session-pool";
constexpr std::string_view kAccountMapFile = "accounts";
constexpr std::string_view kLoginPluginName = "cmdlink_auth.so";

struct Account {
    std::string username;
    std::string password;
    bool hashed = false;
};

// The password file's text: plain passwords hashed by `mosquitto_passwd -U` on a private
// temporary copy, hashes kept as they are.
core::Result<std::string> password_file_text(const std::vector<Account>& accounts,
                                             const std::string& mosquitto) {
    std::string hashed_lines;
    std::string plain_lines;
    for (const Account& account : accounts) {
        (account.hashed ? hashed_lines : plain_lines) +=
            account.username + ":" + account.password + "\n";
    }
    if (plain_lines.empty()) return hashed_lines;

    auto executable = find_mosquitto(mosquitto);
    if (!executable) return executable.failure();
    auto tool = find_password_tool(executable.value());
    if (!tool) return tool.failure();
    auto scratch = TempDirectory::create("cmdlink-roster-");
    if (!scratch) return scratch.failure();
    const auto file = scratch.value().path() / "passwords";
    const auto output = scratch.value().path() / "mosquitto_passwd.out";
    if (auto written = os::write_text_file(file, plain_lines); !written) {
        return written.failure();
    }
    auto child = ChildProcess::spawn(tool.value(), {"-U", file.string()}, output);
    if (!child) return child.failure();
    auto exited = child.value().wait_for_exit(kHashTimeout);
    if (!exited) return exited.failure();
    if (!exited.value()) return core::Error{"mosquitto_passwd -U did not finish within 60 s"};
    const int status = *exited.value();
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        // Its output never contains a password.
        return core::Error{"mosquitto_passwd -U failed (" + describe_wait_status(status) +
                           "): " + core::last_lines(os::read_text_from(output, 0), 5)};
    }
    auto hashed = os::read_whole_file(file, "the passwords mosquitto_passwd hashed in");
    if (!hashed) return hashed.failure();
    return hashed.value() + hashed_lines;
}

// The observer reads every topic (`#` holds no `$SYS/...`) and writes none: whatever it
// publishes, the broker drops.
constexpr std::string_view kObserverRole = "cmdlink-observer";

std::string observer_acl(std::string_view observer_user) {
    return "\n# Reads everything, writes nothing.\nuser " + std::string(observer_user) +
           "\ntopic read #\n";
}

std::string with_observer(const std::string& dynsec_text, std::string_view observer_user) {
    auto config = nlohmann::ordered_json::parse(dynsec_text);
    config["roles"].push_back(
        {{"rolename", kObserverRole},
         {"acls", nlohmann::ordered_json::array(
                      {{{"acltype", "subscribePattern"}, {"topic", "#"}, {"allow", true}},
                       {{"acltype", "publishClientReceive"}, {"topic", "#"}, {"allow", true}}})}});
    config["clients"].push_back(
        {{"username", observer_user},
         {"textname", "observer: reads everything, writes nothing"},
         {"roles", nlohmann::ordered_json::array({{{"rolename", kObserverRole}}})}});
    return config.dump(2) + "\n";
}

// The listeners beyond the plain one, and the connections in the broker's log: who
// connected from where, and when they left.
std::string extra_config(const RosterSetupOptions& options) {
    std::string text =
        "# Each connection and disconnection, with the client's address, ID and user name.\n"
        "log_type notice\nconnection_messages true\n";
    if (!options.tls_cert.empty()) {
        text +=
            "\n# TLS: clients connect with --tls --cafile <the CA that signed the "
            "certificate>.\nlistener " +
            std::to_string(options.tls_port) + " " + options.bind_address + "\ncertfile " +
            options.tls_cert.string() + "\nkeyfile " + options.tls_key.string() + "\n";
    }
    if (options.websockets_port != 0) {
        text += "\n# MQTT over WebSockets (ws://HOST:" + std::to_string(options.websockets_port) +
                "/mqtt), for browsers and networks that pass only HTTP.\nlistener " +
                std::to_string(options.websockets_port) + " " + options.bind_address +
                "\nprotocol websockets\n";
    }
    return text;
}

core::Result<bool> check_listeners(const RosterSetupOptions& options) {
    if (options.tls_cert.empty() != options.tls_key.empty()) {
        return core::Error{"--tls-cert and --tls-key go together"};
    }
    for (const auto& [flag, path] :
         {std::pair{"--tls-cert", &options.tls_cert}, std::pair{"--tls-key", &options.tls_key}}) {
        if (path->empty()) continue;
        std::error_code error;
        if (!std::filesystem::is_regular_file(*path, error)) {
            return core::Error{std::string(flag) + " " + path->string() + ": no such file"};
        }
    }
    std::set<int> ports = {options.port};
    const auto another_port = [&](int port, const char* flag) -> core::Result<bool> {
        if (port < 1 || port > 65535) {
            return core::Error{std::string(flag) + " must be within 1-65535"};
        }
        if (!ports.insert(port).second) {
            return core::Error{std::string(flag) + " " + std::to_string(port) +
                               " is the port of another listener"};
        }
        return true;
    };
    if (!options.tls_cert.empty()) {
        if (auto checked = another_port(options.tls_port, "--tls-port"); !checked) return checked;
    }
    if (options.websockets_port != 0) {
        if (auto checked = another_port(options.websockets_port, "--websockets"); !checked) {
            return checked;
        }
    }
    return true;
}

core::Result<bool> check_observer(const std::vector<RosterEntry>& roster,
                                  const RosterSetupOptions& options) {
    if (options.observer_user.empty()) return true;
    if (auto why = isolation::check_username(options.observer_user)) {
        return core::Error{"observer account: " + *why};
    }
    if (options.observer_user == options.server_user) {
        return core::Error{"the observer account and the server account have one name, " +
                           options.server_user};
    }
    if (options.observer_password.empty()) return core::Error{"the observer password is empty"};
    for (const RosterEntry& entry : roster) {
        if (entry.username == options.observer_user) {
            return core::Error{"roster line " + std::to_string(entry.line) +
                               ": the user name is that of the observer account '" +
                               options.observer_user + "'"};
        }
    }
    return true;
}

core::Result<bool> check_inputs(const std::vector<RosterEntry>& roster,
                                const RosterSetupOptions& options) {
    if (auto checked = check_listeners(options); !checked) return checked;
    if (auto checked = check_observer(roster, options); !checked) return checked;
    if (auto checked =
            isolation::check_server_account(roster, options.server_user, options.server_password);
        !checked) {
        return checked;
    }
    if (options.port < 1 || options.port > 65535) {
        return core::Error{"the port must be within 1-65535"};
    }
    if (options.logins_per_minute < 1 ||
        options.logins_per_minute > broker_plugin::kMaxLoginsPerMinute) {
        return core::Error{"--logins-per-minute must be within 1-" +
                           std::to_string(broker_plugin::kMaxLoginsPerMinute)};
    }
    if (options.login_burst < 1 || options.login_burst > broker_plugin::kMaxLoginBurst) {
        return core::Error{"--login-burst must be within 1-" +
                           std::to_string(broker_plugin::kMaxLoginBurst)};
    }
    if (options.dynamic_security) return true;
    return isolation::check_pool_mode(roster, options.server_user, options.sessions_per_student);
}

core::Result<bool> make_directory(const std::filesystem::path& directory) {
    if (::mkdir(directory.c_str(), 0700) == 0 || errno == EEXIST) {
        std::error_code error;
        if (std::filesystem::is_directory(directory, error)) return true;
        return core::Error{directory.string() + " exists and is not a directory"};
    }
    const int error = errno;
    return core::Error{"cannot create " + directory.string() + ": " + os::system_error_text(error)};
}

bool is_file(const std::filesystem::path& path) {
    std::error_code error;
    return std::filesystem::is_regular_file(path, error);
}

}  // namespace

core::Result<std::filesystem::path> find_login_plugin() {
    std::error_code error;
    const std::filesystem::path executable = std::filesystem::read_symlink("/proc/self/exe", error);
    std::vector<std::filesystem::path> candidates;
    if (!error) {
        candidates.push_back(executable.parent_path() / kLoginPluginName);
        candidates.push_back(executable.parent_path().parent_path() / "lib" / "cmdlink" /
                             kLoginPluginName);
    }
    candidates.emplace_back(CMDLINK_LOGIN_PLUGIN_BUILT_AT);
    for (const auto& candidate : candidates) {
        if (is_file(candidate)) return candidate;
    }
    std::string tried;
    for (const auto& candidate : candidates) tried += "\n  " + candidate.string();
    return core::Error{
        "cannot find the login plugin cmdlink_auth.so (it is built with cmdlink: "
        "cmake --build build --target cmdlink_auth); looked at:" +
        tried};
}

core::Result<std::filesystem::path> find_dynsec_plugin() {
    constexpr std::string_view kName = "mosquitto_dynamic_security.so";
    for (const char* directory :
         {"/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib/i386-linux-gnu",
          "/usr/lib/arm-linux-gnueabihf", "/usr/lib/mosquitto", "/usr/local/lib", "/usr/lib"}) {
        const std::filesystem::path candidate = std::filesystem::path(directory) / kName;
        std::error_code error;
        if (std::filesystem::is_regular_file(candidate, error)) return candidate;
    }
    return core::Error{
        "cannot find Mosquitto's dynamic security plugin (mosquitto_dynamic_security.so) in "
        "/usr/lib/<arch>, /usr/lib/mosquitto or /usr/local/lib; it comes with Debian's "
        "mosquitto package (2.0 or later), or give its path"};
}

core::Result<RosterSetup> write_roster_setup(const std::vector<RosterEntry>& roster,
                                             const RosterSetupOptions& options,
                                             core::RandomSource& random) {
    if (auto checked = check_inputs(roster, options); !checked) {
        return checked.failure();
    }
    std::filesystem::path plugin = options.dynsec_plugin;
    if (options.dynamic_security && plugin.empty()) {
        auto found = find_dynsec_plugin();
        if (!found) return found.failure();
        plugin = found.value();
    }
    std::filesystem::path login_plugin = options.login_plugin;
    if (login_plugin.empty()) {
        auto found = find_login_plugin();
        if (!found) return found.failure();
        login_plugin = found.value();
    }
    std::vector<broker_plugin::StudentAccount> students;
    for (const RosterEntry& entry : roster) students.push_back({entry.username, entry.user_id});
    auto account_map = broker_plugin::render_account_map(options.server_user, students);
    if (!account_map) return core::Error{"the login plugin's account map: " + account_map.error()};
    auto run_as_user = run_as_user_name();
    if (!run_as_user) return run_as_user.failure();

    std::vector<Account> accounts;
    accounts.push_back(Account{options.server_user, options.server_password,
                               isolation::is_password_hash(options.server_password)});
    for (const RosterEntry& entry : roster) {
        accounts.push_back(Account{entry.username, entry.password, entry.hashed});
    }
    const bool observer = !options.observer_user.empty();
    if (observer) {
        accounts.push_back(Account{options.observer_user, options.observer_password,
                                   isolation::is_password_hash(options.observer_password)});
    }
    // Everything that can fail on the inputs happens before the first file is written.
    auto passwords = password_file_text(accounts, options.mosquitto);
    if (!passwords) return passwords.failure();

    if (auto made = make_directory(options.directory); !made) return made.failure();
    std::error_code error;
    const std::filesystem::path directory = std::filesystem::absolute(options.directory, error);
    if (error) return core::Error{"cannot resolve " + options.directory.string()};
    const BrokerFiles files = BrokerFiles::in(directory);
    RosterSetup setup;
    setup.security.password_file = files.passwords;
    RosterSecurity& security = setup.security;
    // Each mode's rule file, then what it needs: written only once all inputs are good.
    std::vector<std::pair<std::filesystem::path, std::string>> rule_files;
    security.login_plugin = std::filesystem::absolute(login_plugin, error);
    if (error) return core::Error{"cannot resolve " + login_plugin.string()};
    security.account_map = directory / kAccountMapFile;
    security.logins_per_minute = options.logins_per_minute;
    security.login_burst = options.login_burst;
    security.trust_other_accounts = observer;
    rule_files.emplace_back(security.account_map, account_map.value());
    if (options.dynamic_security) {
        security.dynsec_plugin = plugin;
        security.dynsec_config = directory / kDynsecFile;
        std::string dynsec = isolation::render_dynsec_config(roster, options.server_user);
        if (observer) dynsec = with_observer(dynsec, options.observer_user);
        rule_files.emplace_back(security.dynsec_config, std::move(dynsec));
    } else {
        auto pool = isolation::draw_session_pool(roster, options.sessions_per_student, random);
        if (!pool) return pool.failure();
        security.acl_file = files.acl;
        setup.session_pool = directory / kSessionPoolFile;
        std::string acl = isolation::render_pool_acl(roster, pool.value(), options.server_user);
        if (observer) acl += observer_acl(options.observer_user);
        rule_files.emplace_back(security.acl_file, std::move(acl));
        rule_files.emplace_back(setup.session_pool, isolation::render_session_pool(pool.value()));
    }
    BrokerOptions broker;
    broker.persistence = true;
    broker.roster = security;
    broker.extra_config = extra_config(options);

    if (auto written = os::write_file_atomically(files.passwords, passwords.value(), 0600);
        !written) {
        return written.failure();
    }
    for (const auto& [path, text] : rule_files) {
        if (auto written = os::write_file_atomically(path, text, 0600); !written) {
            return written.failure();
        }
    }
    const std::string config = render_broker_config(broker, files, options.port,
                                                    run_as_user.value(), options.bind_address);
    if (auto written = os::write_file_atomically(files.config, config, 0600); !written) {
        return written.failure();
    }
    return setup;
}

namespace {

// The students already in a setup, from its account map, and whom they collide with.
core::Result<broker_plugin::AccountMap> existing_accounts(const std::filesystem::path& directory) {
    auto text = os::read_whole_file(directory / kAccountMapFile, "the setup's account map");
    if (!text) {
        return core::Error{text.error() + " (is " + directory.string() +
                           " a directory cmdlink broker-config wrote?)"};
    }
    auto map = broker_plugin::parse_account_map(text.value());
    if (!map) return core::Error{(directory / kAccountMapFile).string() + ": " + map.error()};
    return map;
}

core::Result<bool> check_new_students(const std::vector<RosterEntry>& roster,
                                      const broker_plugin::AccountMap& existing) {
    std::unordered_set<std::string> user_ids;
    for (const auto& [username, user_id] : existing.user_id_of) user_ids.insert(user_id);
    std::string errors;
    for (const RosterEntry& entry : roster) {
        const std::string at = "roster line " + std::to_string(entry.line) + ": ";
        if (entry.username == existing.server_user) {
            errors += at + "the user name is that of the server account\n";
        } else if (existing.user_id_of.count(entry.username) > 0) {
            errors += at + "user name '" + entry.username + "' is in the setup already\n";
        }
        if (user_ids.count(entry.user_id) > 0) {
            errors += at + "user ID '" + entry.user_id + "' is in the setup already\n";
        }
    }
    if (errors.empty()) return true;
    errors.pop_back();
    return core::Error{errors};
}

// `text` minus its first line (a header the file has already).
std::string after_first_line(const std::string& text) {
    const std::size_t end = text.find('\n');
    return end == std::string::npos ? std::string() : text.substr(end + 1);
}

std::string appended(std::string existing, const std::string& more) {
    if (!existing.empty() && existing.back() != '\n') existing += '\n';
    return existing + more;
}

// The new students' clients, groups and roles added to the plugin's config as it is.
core::Result<std::string> with_new_dynsec_students(const std::string& existing_text,
                                                   const std::vector<RosterEntry>& roster,
                                                   const std::string& server_user) {
    using Json = nlohmann::ordered_json;
    Json existing = Json::parse(existing_text, nullptr, false);
    if (existing.is_discarded() || !existing.is_object()) {
        return core::Error{std::string(kDynsecFile) + " is not the JSON object it should be"};
    }
    const Json added = Json::parse(isolation::render_dynsec_config(roster, server_user));
    for (const char* key : {"clients", "groups", "roles"}) {
        if (!existing.contains(key)) existing[key] = Json::array();
        for (const Json& item : added[key]) {
            // The server's own client and role are there already.
            if (item.value("username", "") == server_user) continue;
            if (item.value("rolename", "") == "cmdlink-server") continue;
            existing[key].push_back(item);
        }
    }
    return existing.dump(2) + "\n";
}

}  // namespace

core::Result<RosterSetup> add_to_roster_setup(const std::vector<RosterEntry>& roster,
                                              const RosterSetupOptions& options,
                                              core::RandomSource& random) {
    std::error_code error;
    const std::filesystem::path directory = std::filesystem::absolute(options.directory, error);
    if (error) return core::Error{"cannot resolve " + options.directory.string()};
    auto existing = existing_accounts(directory);
    if (!existing) return existing.failure();
    const std::string& server_user = existing.value().server_user;
    if (auto checked = check_new_students(roster, existing.value()); !checked) {
        return checked.failure();
    }
    const BrokerFiles files = BrokerFiles::in(directory);
    const bool dynamic_security = is_file(directory / kDynsecFile);
    if (!dynamic_security) {
        if (auto checked =
                isolation::check_pool_mode(roster, server_user, options.sessions_per_student);
            !checked) {
            return checked.failure();
        }
    }
    std::vector<Account> accounts;
    std::vector<broker_plugin::StudentAccount> students;
    for (const RosterEntry& entry : roster) {
        accounts.push_back(Account{entry.username, entry.password, entry.hashed});
        students.push_back({entry.username, entry.user_id});
    }
    auto account_lines = broker_plugin::render_account_map(server_user, students);
    if (!account_lines) return account_lines.failure();
    auto old_accounts = os::read_whole_file(directory / kAccountMapFile, "the account map");
    if (!old_accounts) return old_accounts.failure();
    // Only the student lines: the header comment and the server line are there already.
    std::string new_account_lines;
    for (std::string_view rest = account_lines.value(); !rest.empty();) {
        const std::size_t end = rest.find('\n');
        const std::string_view line = rest.substr(0, end);
        if (line.starts_with("student\t")) new_account_lines += std::string(line) + "\n";
        rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
    }
    const std::string accounts_text = appended(old_accounts.value(), new_account_lines);
    if (auto parsed = broker_plugin::parse_account_map(accounts_text); !parsed) {
        return core::Error{"the account map with the new students: " + parsed.error()};
    }
    auto old_passwords = os::read_whole_file(files.passwords, "the password file");
    if (!old_passwords) return old_passwords.failure();
    // Accounts beside the students (the observer) are in the password file only.
    for (const RosterEntry& entry : roster) {
        const std::string line_start = entry.username + ":";
        if (old_passwords.value().starts_with(line_start) ||
            old_passwords.value().find("\n" + line_start) != std::string::npos) {
            return core::Error{"roster line " + std::to_string(entry.line) + ": user name '" +
                               entry.username + "' is an account of the setup already"};
        }
    }
    auto new_passwords = password_file_text(accounts, options.mosquitto);
    if (!new_passwords) return new_passwords.failure();

    RosterSetup setup;
    setup.security.password_file = files.passwords;
    std::vector<std::pair<std::filesystem::path, std::string>> writes;
    writes.emplace_back(files.passwords, appended(old_passwords.value(), new_passwords.value()));
    writes.emplace_back(directory / kAccountMapFile, accounts_text);
    if (dynamic_security) {
        auto old_config =
            os::read_whole_file(directory / kDynsecFile, "the dynamic security config");
        if (!old_config) return old_config.failure();
        auto config = with_new_dynsec_students(old_config.value(), roster, server_user);
        if (!config) return config.failure();
        setup.security.dynsec_config = directory / kDynsecFile;
        writes.emplace_back(directory / kDynsecFile, std::move(config.value()));
    } else {
        auto pool = isolation::draw_session_pool(roster, options.sessions_per_student, random);
        if (!pool) return pool.failure();
        setup.session_pool = directory / kSessionPoolFile;
        auto old_pool = os::read_whole_file(setup.session_pool, "the session pool");
        if (!old_pool) return old_pool.failure();
        auto old_acl = os::read_whole_file(files.acl, "the acl file");
        if (!old_acl) return old_acl.failure();
        setup.security.acl_file = files.acl;
        writes.emplace_back(
            setup.session_pool,
            appended(old_pool.value(),
                     after_first_line(isolation::render_session_pool(pool.value()))));
        // Mosquitto gathers the rules of a user from every `user` section of the file, so the
        // server's section repeated here adds nothing and takes nothing away.
        writes.emplace_back(
            files.acl, appended(old_acl.value(),
                                "\n# Added by cmdlink broker-config --add.\n" +
                                    isolation::render_pool_acl(roster, pool.value(), server_user)));
    }
    for (const auto& [path, text] : writes) {
        if (auto written = os::write_file_atomically(path, text, 0600); !written) {
            return written.failure();
        }
    }
    return setup;
}

}  // namespace cmdlink::broker
