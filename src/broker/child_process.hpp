#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"

namespace cmdlink::broker {

// A process we spawned. Whoever holds it must reap it; if nobody did, the destructor stops
// it (SIGTERM, then SIGKILL) so that no test leaves a broker behind.
class ChildProcess {
  public:
    struct Ended {
        int wait_status = 0;
        bool needed_sigkill = false;
    };

    static constexpr std::chrono::milliseconds kDefaultGrace{5000};

    // Runs `executable` (a path, not searched in PATH) with `arguments` after argv[0].
    // stdin reads /dev/null; stdout and stderr are appended to `output`.
    static core::Result<ChildProcess> spawn(const std::filesystem::path& executable,
                                            const std::vector<std::string>& arguments,
                                            const std::filesystem::path& output);

    ChildProcess() = default;
    ChildProcess(ChildProcess&& other) noexcept;
    ChildProcess& operator=(ChildProcess&& other) noexcept;
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;
    ~ChildProcess();

    // 0 once the process has been reaped (or was never started).
    [[nodiscard]] pid_t pid() const { return pid_; }
    // True until the process has been reaped, even if it has already exited.
    [[nodiscard]] bool running() const { return pid_ > 0; }

    // The wait status if the process has exited (it is reaped then), nullopt while it runs.
    core::Result<std::optional<int>> poll_exit();
    // Like poll_exit(), but waits up to `timeout` for the process to exit.
    core::Result<std::optional<int>> wait_for_exit(std::chrono::milliseconds timeout);
    // SIGTERM, wait up to `grace`, then SIGKILL.
    core::Result<Ended> terminate(std::chrono::milliseconds grace = kDefaultGrace);
    // SIGKILL and wait; the value is the wait status.
    core::Result<int> kill();

  private:
    explicit ChildProcess(pid_t pid) : pid_(pid) {}
    void stop_quietly();

    pid_t pid_ = 0;
};

// "exit code 3" or "signal 9", for messages.
std::string describe_wait_status(int wait_status);

}  // namespace cmdlink::broker
