#include "broker/roster_setup.hpp"

#include <sys/stat.h>
#include <sys/wait.h>

#include <cerrno>
#include <chrono>

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

core::Result<bool> check_inputs(const std::vector<RosterEntry>& roster,
                                const RosterSetupOptions& options) {
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
    rule_files.emplace_back(security.account_map, account_map.value());
    if (options.dynamic_security) {
        security.dynsec_plugin = plugin;
        security.dynsec_config = directory / kDynsecFile;
        rule_files.emplace_back(security.dynsec_config,
                                isolation::render_dynsec_config(roster, options.server_user));
    } else {
        auto pool = isolation::draw_session_pool(roster, options.sessions_per_student, random);
        if (!pool) return pool.failure();
        security.acl_file = files.acl;
        setup.session_pool = directory / kSessionPoolFile;
        rule_files.emplace_back(security.acl_file, isolation::render_pool_acl(roster, pool.value(),
                                                                              options.server_user));
        rule_files.emplace_back(setup.session_pool, isolation::render_session_pool(pool.value()));
    }
    BrokerOptions broker;
    broker.persistence = true;
    broker.roster = security;

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

}  // namespace cmdlink::broker
