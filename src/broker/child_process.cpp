#include "broker/child_process.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <thread>
#include <utility>

#include "os/system_error_text.hpp"

namespace cmdlink::broker {
namespace {

// Owns posix_spawn file actions so that every return path destroys them.
class SpawnFileActions {
  public:
    SpawnFileActions() : init_result_(posix_spawn_file_actions_init(&actions_)) {}
    SpawnFileActions(const SpawnFileActions&) = delete;
    SpawnFileActions& operator=(const SpawnFileActions&) = delete;
    ~SpawnFileActions() {
        if (init_result_ == 0) posix_spawn_file_actions_destroy(&actions_);
    }
    [[nodiscard]] int init_result() const { return init_result_; }
    posix_spawn_file_actions_t* get() { return &actions_; }

  private:
    posix_spawn_file_actions_t actions_{};
    int init_result_;
};

// Owns posix_spawn attributes so that every return path destroys them.
class SpawnAttributes {
  public:
    SpawnAttributes() : init_result_(posix_spawnattr_init(&attributes_)) {}
    SpawnAttributes(const SpawnAttributes&) = delete;
    SpawnAttributes& operator=(const SpawnAttributes&) = delete;
    ~SpawnAttributes() {
        if (init_result_ == 0) posix_spawnattr_destroy(&attributes_);
    }
    [[nodiscard]] int init_result() const { return init_result_; }
    posix_spawnattr_t* get() { return &attributes_; }

  private:
    posix_spawnattr_t attributes_{};
    int init_result_;
};

core::Error spawn_error(const std::filesystem::path& executable, const char* step, int error) {
    return core::Error{"cannot start " + executable.string() + " (" + step +
                       "): " + os::system_error_text(error)};
}

int prepare_file_actions(SpawnFileActions& actions, const std::filesystem::path& output) {
    int result = actions.init_result();
    if (result == 0) {
        result =
            posix_spawn_file_actions_addopen(actions.get(), STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    }
    if (result == 0) {
        result = posix_spawn_file_actions_addopen(actions.get(), STDOUT_FILENO, output.c_str(),
                                                  O_WRONLY | O_CREAT | O_APPEND, 0600);
    }
    if (result == 0) {
        result = posix_spawn_file_actions_adddup2(actions.get(), STDOUT_FILENO, STDERR_FILENO);
    }
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
    // Descriptors without O_CLOEXEC (a test's MQTT socket, say) would otherwise live on in
    // the broker, and a connection the test closes would stay open.
    if (result == 0) result = posix_spawn_file_actions_addclosefrom_np(actions.get(), 3);
#endif
    return result;
}

int prepare_attributes(SpawnAttributes& attributes) {
    int result = attributes.init_result();
    // The child inherits our signal mask and ignored signals; a test runner that blocks or
    // ignores SIGTERM would otherwise leave a broker that cannot be stopped politely.
    sigset_t none;
    sigset_t defaults;
    if (result == 0 && (sigemptyset(&none) != 0 || sigemptyset(&defaults) != 0)) result = EINVAL;
    for (const int signal_number : {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGPIPE, SIGUSR1, SIGUSR2}) {
        if (result == 0 && sigaddset(&defaults, signal_number) != 0) result = EINVAL;
    }
    if (result == 0) result = posix_spawnattr_setsigmask(attributes.get(), &none);
    if (result == 0) result = posix_spawnattr_setsigdefault(attributes.get(), &defaults);
    if (result == 0) {
        result = posix_spawnattr_setflags(
            attributes.get(), static_cast<short>(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF));
    }
    return result;
}

}  // namespace

core::Result<ChildProcess> ChildProcess::spawn(const std::filesystem::path& executable,
                                               const std::vector<std::string>& arguments,
                                               const std::filesystem::path& output) {
    SpawnFileActions actions;
    if (const int error = prepare_file_actions(actions, output); error != 0) {
        return spawn_error(executable, "file actions", error);
    }
    SpawnAttributes attributes;
    if (const int error = prepare_attributes(attributes); error != 0) {
        return spawn_error(executable, "attributes", error);
    }

    std::vector<std::string> storage;
    storage.reserve(arguments.size() + 1);
    storage.push_back(executable.string());
    storage.insert(storage.end(), arguments.begin(), arguments.end());
    std::vector<char*> argv;
    argv.reserve(storage.size() + 1);
    for (std::string& argument : storage) argv.push_back(argument.data());
    argv.push_back(nullptr);

    pid_t pid = 0;
    const int error = posix_spawn(&pid, executable.c_str(), actions.get(), attributes.get(),
                                  argv.data(), environ);
    if (error != 0) return spawn_error(executable, "posix_spawn", error);
    return ChildProcess(pid);
}

ChildProcess::ChildProcess(ChildProcess&& other) noexcept : pid_(std::exchange(other.pid_, 0)) {}

ChildProcess& ChildProcess::operator=(ChildProcess&& other) noexcept {
    if (this != &other) {
        stop_quietly();
        pid_ = std::exchange(other.pid_, 0);
    }
    return *this;
}

ChildProcess::~ChildProcess() {
    stop_quietly();
}

void ChildProcess::stop_quietly() {
    if (!running()) return;
    // Nobody is left to hear about a failure here; the process is reaped if at all possible.
    static_cast<void>(terminate());
}

core::Result<std::optional<int>> ChildProcess::poll_exit() {
    if (!running()) return core::Error{"no running process to wait for"};
    int status = 0;
    pid_t result = 0;
    do {
        result = ::waitpid(pid_, &status, WNOHANG);
    } while (result < 0 && errno == EINTR);
    if (result < 0) {
        const int error = errno;
        const pid_t lost = pid_;
        // ECHILD: the process is not ours to wait for (SIGCHLD ignored); it is gone for us.
        if (error == ECHILD) pid_ = 0;
        return core::Error{"waitpid(" + std::to_string(lost) +
                           ") failed: " + os::system_error_text(error) +
                           (error == ECHILD ? " (is SIGCHLD ignored in this program?)" : "")};
    }
    if (result == 0) return std::optional<int>{};
    pid_ = 0;
    return std::optional<int>{status};
}

core::Result<std::optional<int>> ChildProcess::wait_for_exit(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    // Short pauses first: a broker usually exits within a few milliseconds of SIGTERM.
    std::chrono::milliseconds pause{1};
    while (true) {
        auto exited = poll_exit();
        if (!exited || exited.value()) return exited;
        const auto now = std::chrono::steady_clock::now();
        if (now >= deadline) return exited;
        std::this_thread::sleep_for(
            std::min<std::chrono::steady_clock::duration>(pause, deadline - now));
        pause = std::min(pause * 2, std::chrono::milliseconds{20});
    }
}

core::Result<ChildProcess::Ended> ChildProcess::terminate(std::chrono::milliseconds grace) {
    if (!running()) return core::Error{"no running process to terminate"};
    if (::kill(pid_, SIGTERM) != 0) {
        const int error = errno;
        return core::Error{"cannot send SIGTERM to process " + std::to_string(pid_) + ": " +
                           os::system_error_text(error)};
    }
    auto exited = wait_for_exit(grace);
    if (!exited) return exited.failure();
    if (exited.value()) return Ended{*exited.value(), false};
    auto killed = kill();
    if (!killed) return killed.failure();
    return Ended{killed.value(), true};
}

core::Result<int> ChildProcess::kill() {
    if (!running()) return core::Error{"no running process to kill"};
    if (::kill(pid_, SIGKILL) != 0) {
        const int error = errno;
        return core::Error{"cannot send SIGKILL to process " + std::to_string(pid_) + ": " +
                           os::system_error_text(error)};
    }
    int status = 0;
    pid_t result = 0;
    do {
        result = ::waitpid(pid_, &status, 0);
    } while (result < 0 && errno == EINTR);
    if (result < 0) {
        const int error = errno;
        const pid_t lost = pid_;
        if (error == ECHILD) pid_ = 0;
        return core::Error{"waitpid(" + std::to_string(lost) +
                           ") failed: " + os::system_error_text(error)};
    }
    pid_ = 0;
    return status;
}

std::string describe_wait_status(int wait_status) {
    if (WIFEXITED(wait_status)) return "exit code " + std::to_string(WEXITSTATUS(wait_status));
    if (WIFSIGNALED(wait_status)) return "signal " + std::to_string(WTERMSIG(wait_status));
    return "wait status " + std::to_string(wait_status);
}

}  // namespace cmdlink::broker
