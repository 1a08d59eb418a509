#include "broker/private_broker.hpp"

#include <pwd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "broker/executable_lookup.hpp"
#include "broker/loopback_port.hpp"
#include "core/text_lines.hpp"
#include "os/system_error_text.hpp"
#include "os/text_file.hpp"

namespace cmdlink::broker {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::chrono::milliseconds kStartTimeout{5000};
constexpr std::chrono::milliseconds kStopGrace{5000};
constexpr std::chrono::milliseconds kPasswordToolTimeout{10000};
// A restart must reuse its port (clients know it), so it waits a little for the port
// instead of picking another one.
constexpr std::chrono::milliseconds kRestartPortWait{3000};
constexpr std::chrono::milliseconds kRestartRetryPause{50};
constexpr std::chrono::milliseconds kLongestPollPause{20};
constexpr int kPortAttempts = 5;
constexpr std::size_t kDiagnosticLines = 20;
constexpr std::string_view kInstallHint =
    "install Mosquitto with `sudo apt-get install mosquitto` (Debian/Ubuntu)";

bool mentions_port_taken(std::string_view text) {
    return text.find("Address already in use") != std::string_view::npos;
}

bool exited_cleanly(int wait_status) {
    return WIFEXITED(wait_status) && WEXITSTATUS(wait_status) == 0;
}

}  // namespace

core::Result<std::optional<std::string>> run_as_user_name() {
    const uid_t uid = ::geteuid();
    const long suggested = ::sysconf(_SC_GETPW_R_SIZE_MAX);
    std::vector<char> buffer(suggested > 0 ? static_cast<std::size_t>(suggested) : 16384);
    constexpr std::size_t kLargestBuffer = 1 << 20;
    passwd entry{};
    passwd* found = nullptr;
    int error = 0;
    while ((error = ::getpwuid_r(uid, &entry, buffer.data(), buffer.size(), &found)) == ERANGE &&
           buffer.size() < kLargestBuffer) {
        buffer.resize(buffer.size() * 2);
    }
    if (error == 0 && found != nullptr) return std::optional<std::string>{found->pw_name};
    // Mosquitto only switches users when it starts as root, so other users need no name.
    if (uid != 0) return std::optional<std::string>{};
    return core::Error{
        "cannot find the user name of uid 0, which mosquitto started as root "
        "needs in its config: " +
        (error != 0 ? os::system_error_text(error) : std::string("no passwd entry"))};
}

core::Result<std::filesystem::path> find_password_tool(const std::filesystem::path& mosquitto) {
    constexpr std::string_view kTool = "mosquitto_passwd";
    // A mosquitto installed by hand brings its own tool, which must match its hash format.
    if (auto sibling = find_executable((mosquitto.parent_path() / kTool).string(), {})) {
        return *sibling;
    }
    if (auto found = find_executable(kTool, {"/usr/bin", "/usr/sbin", "/bin", "/sbin",
                                             "/usr/local/bin", "/usr/local/sbin"})) {
        return *found;
    }
    return core::Error{
        "cannot find mosquitto_passwd, which makes the broker's password file, in "
        "PATH or /usr/bin; " +
        std::string(kInstallHint)};
}

core::Result<std::filesystem::path> find_mosquitto(const std::string& executable) {
    if (executable.empty()) {
        return core::Error{"no mosquitto executable given (the name is empty); " +
                           std::string(kInstallHint)};
    }
    if (auto found = find_executable(executable, {"/usr/sbin", "/sbin", "/usr/local/sbin"})) {
        return *found;
    }
    if (executable.find('/') != std::string::npos) {
        return core::Error{"the mosquitto executable " + executable +
                           " does not exist or is not executable; correct the path or " +
                           std::string(kInstallHint)};
    }
    return core::Error{"cannot find '" + executable +
                       "' in PATH, /usr/sbin, /sbin or /usr/local/sbin; " +
                       std::string(kInstallHint) + " or give the full path to the executable"};
}

PrivateBroker::PrivateBroker(TempDirectory directory, std::filesystem::path executable,
                             BrokerOptions options, std::optional<std::string> run_as_user)
    : directory_(std::move(directory)),
      files_(BrokerFiles::in(directory_.path())),
      executable_(std::move(executable)),
      options_(std::move(options)),
      run_as_user_(std::move(run_as_user)),
      host_(kLoopbackAddress) {}

PrivateBroker::~PrivateBroker() {
    // Nobody can hear about a failure here; terminate() reaps the process if at all possible.
    if (process_.running()) static_cast<void>(process_.terminate(kStopGrace));
}

core::Result<std::unique_ptr<PrivateBroker>> PrivateBroker::start(BrokerOptions options) {
    auto executable = find_mosquitto(options.executable);
    if (!executable) return executable.failure();
    auto run_as_user = run_as_user_name();
    if (!run_as_user) return run_as_user.failure();
    auto directory = TempDirectory::create("cmdlink-broker-");
    if (!directory) return directory.failure();

    // The constructor is private, which std::make_unique cannot reach.
    std::unique_ptr<PrivateBroker> broker(
        new PrivateBroker(std::move(directory.value()), std::move(executable.value()),
                          std::move(options), std::move(run_as_user.value())));

    if (auto written = broker->write_password_file(); !written) {
        return written.failure();
    }
    if (!broker->options_.acl_file_text.empty()) {
        auto written = os::write_text_file(broker->files_.acl, broker->options_.acl_file_text);
        if (!written) return written.failure();
    }

    for (int attempt = 0; attempt < kPortAttempts; ++attempt) {
        auto port = pick_free_loopback_port();
        if (!port) return port.failure();
        broker->port_ = port.value();
        if (auto written = broker->write_config(); !written) return written.failure();
        auto launched = broker->launch();
        if (!launched) return launched.failure();
        if (launched.value() == LaunchOutcome::kReady) return broker;
        // Someone took the port between our pick and mosquitto's bind: pick another.
    }
    return core::Error{
        "mosquitto could not bind a port on 127.0.0.1 in " + std::to_string(kPortAttempts) +
        " attempts: other programs took each free port picked for it" + broker->diagnostics(0, 0)};
}

core::Result<bool> PrivateBroker::stop() {
    if (!process_.running()) return false;
    auto ended = process_.terminate(kStopGrace);
    if (!ended) return core::Error{"cannot stop mosquitto: " + ended.error()};
    if (ended.value().needed_sigkill) {
        return core::Error{"mosquitto on 127.0.0.1:" + std::to_string(port_) +
                           " did not exit within 5 s of SIGTERM and was killed; its persistence "
                           "database may lack the latest changes" +
                           diagnostics(0, 0)};
    }
    if (const int status = ended.value().wait_status; !exited_cleanly(status)) {
        return core::Error{"mosquitto on 127.0.0.1:" + std::to_string(port_) + " ended with " +
                           describe_wait_status(status) +
                           " instead of exiting cleanly (did it crash before stop()?)" +
                           diagnostics(0, 0)};
    }
    return true;
}

void PrivateBroker::kill() {
    if (!process_.running()) return;
    // kill() cannot report; should SIGKILL fail, the process stays ours and the destructor
    // tries again.
    static_cast<void>(process_.kill());
}

core::Result<bool> PrivateBroker::restart() {
    if (process_.running()) {
        // Only a process that is really gone matters here, not how it ended.
        auto stopped = stop();
        if (!stopped && process_.running()) return stopped.failure();
    }
    const auto deadline = Clock::now() + kRestartPortWait;
    while (true) {
        auto launched = launch();
        if (!launched) {
            return core::Error{"cannot restart mosquitto on 127.0.0.1:" + std::to_string(port_) +
                               ": " + launched.error()};
        }
        if (launched.value() == LaunchOutcome::kReady) return true;
        if (Clock::now() >= deadline) {
            return core::Error{"cannot restart mosquitto: port " + std::to_string(port_) +
                               " on 127.0.0.1 is still in use by another program after 3 s" +
                               diagnostics(0, 0)};
        }
        std::this_thread::sleep_for(kRestartRetryPause);
    }
}

std::string PrivateBroker::log_tail(std::size_t lines) const {
    return core::last_lines(os::read_text_from(files_.log, 0), lines);
}

core::Result<bool> PrivateBroker::write_password_file() const {
    if (options_.users.empty()) return true;
    auto tool = find_password_tool(executable_);
    if (!tool) return tool.failure();

    for (std::size_t index = 0; index < options_.users.size(); ++index) {
        const BrokerUser& user = options_.users[index];
        if (user.username.empty()) {
            return core::Error{"broker user number " + std::to_string(index + 1) +
                               " has an empty username"};
        }
        std::vector<std::string> arguments;
        // -c starts a new file for the first user; the others are added to it.
        if (index == 0) arguments.emplace_back("-c");
        arguments.insert(arguments.end(),
                         {"-b", files_.passwords.string(), user.username, user.password});

        const auto output_offset = os::file_size_or_zero(files_.password_tool_output);
        auto child = ChildProcess::spawn(tool.value(), arguments, files_.password_tool_output);
        if (!child) return child.failure();
        auto exited = child.value().wait_for_exit(kPasswordToolTimeout);
        if (!exited) return exited.failure();
        if (!exited.value()) {
            // The child's destructor stops it.
            return core::Error{"mosquitto_passwd did not finish within 10 s while adding user '" +
                               user.username + "'"};
        }
        if (const int status = *exited.value(); !exited_cleanly(status)) {
            // Its output never contains the password, so it can go into the message.
            return core::Error{
                "mosquitto_passwd could not add user '" + user.username + "' (" +
                describe_wait_status(status) + "): " +
                core::last_lines(os::read_text_from(files_.password_tool_output, output_offset),
                                 5)};
        }
    }
    return true;
}

core::Result<bool> PrivateBroker::write_config() const {
    return os::write_text_file(files_.config,
                               render_broker_config(options_, files_, port_, run_as_user_));
}

core::Result<PrivateBroker::LaunchOutcome> PrivateBroker::launch() {
    const auto log_offset = os::file_size_or_zero(files_.log);
    const auto output_offset = os::file_size_or_zero(files_.output);
    auto spawned = ChildProcess::spawn(executable_, {"-c", files_.config.string()}, files_.output);
    if (!spawned) return spawned.failure();
    process_ = std::move(spawned.value());
    const pid_t pid = process_.pid();

    const auto deadline = Clock::now() + kStartTimeout;
    std::chrono::milliseconds pause{1};
    while (true) {
        auto exited = process_.poll_exit();
        if (!exited) return exited.failure();
        if (exited.value()) {
            if (mentions_port_taken(os::read_text_from(files_.log, log_offset)) ||
                mentions_port_taken(os::read_text_from(files_.output, output_offset))) {
                return LaunchOutcome::kPortTaken;
            }
            return core::Error{"mosquitto (" + executable_.string() + ") ended with " +
                               describe_wait_status(*exited.value()) +
                               " before it accepted connections on 127.0.0.1:" +
                               std::to_string(port_) + diagnostics(log_offset, output_offset)};
        }
        // Another program may have taken the port after we picked it and answer instead of
        // mosquitto; only mosquitto's own listening socket counts (when /proc can tell).
        const bool ours = process_listens_on(pid, port_).value_or(true);
        if (ours && loopback_port_accepts(port_)) return LaunchOutcome::kReady;

        const auto now = Clock::now();
        if (now >= deadline) {
            const std::string details = diagnostics(log_offset, output_offset);
            auto ended = process_.terminate(kStopGrace);
            return core::Error{"mosquitto did not accept connections on 127.0.0.1:" +
                               std::to_string(port_) + " within 5 s" +
                               (ended ? std::string("; it was stopped")
                                      : "; stopping it failed too: " + ended.error()) +
                               details};
        }
        std::this_thread::sleep_for(pause);
        pause = std::min(pause * 2, kLongestPollPause);
    }
}

std::string PrivateBroker::diagnostics(std::uintmax_t log_offset,
                                       std::uintmax_t output_offset) const {
    const std::string log =
        core::last_lines(os::read_text_from(files_.log, log_offset), kDiagnosticLines);
    const std::string output =
        core::last_lines(os::read_text_from(files_.output, output_offset), kDiagnosticLines);
    std::string text;
    if (!log.empty()) text += "\n--- broker log (" + files_.log.string() + ") ---\n" + log;
    if (!output.empty()) text += "\n--- broker stdout/stderr ---\n" + output;
    if (text.empty()) text = "\n(the broker wrote nothing to its log or stderr)";
    return text;
}

}  // namespace cmdlink::broker
