#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "broker/broker_config.hpp"
#include "broker/broker_options.hpp"
#include "broker/child_process.hpp"
#include "broker/temp_directory.hpp"
#include "core/result.hpp"

namespace cmdlink::broker {

// A Mosquitto broker of our own for tests, the demo and benchmarks: it listens on
// 127.0.0.1 only, on a port picked at run time, and keeps its config, log, password file
// and database in a temporary directory that goes away with it. Use it from one thread.
class PrivateBroker {
  public:
    // Returns once the broker accepts TCP connections (up to ~5 s), else an error that
    // includes the tail of the broker's log and output.
    static core::Result<std::unique_ptr<PrivateBroker>> start(BrokerOptions options);

    PrivateBroker(const PrivateBroker&) = delete;
    PrivateBroker& operator=(const PrivateBroker&) = delete;
    // Stops the broker (SIGTERM, up to 5 s, then SIGKILL) and removes its directory.
    ~PrivateBroker();

    [[nodiscard]] int port() const { return port_; }
    [[nodiscard]] const std::string& host() const { return host_; }
    [[nodiscard]] const std::filesystem::path& directory() const { return files_.directory; }
    // 0 while the broker is stopped; never pass that to kill(2), which would signal our
    // whole process group.
    [[nodiscard]] pid_t pid() const { return process_.pid(); }
    [[nodiscard]] bool running() const { return process_.running(); }

    // SIGTERM and wait, so that persistence is written. The value is true when a running
    // broker exited cleanly, false when it was not running.
    core::Result<bool> stop();
    // SIGKILL and wait, as in a crash: only what autosave wrote survives.
    void kill();
    // Starts the broker again on the same port, config and directory (a persistence
    // database survives). A running broker is stopped first.
    core::Result<bool> restart();

    // The last `lines` lines of the broker's log file.
    [[nodiscard]] std::string log_tail(std::size_t lines = 20) const;

  private:
    enum class LaunchOutcome { kReady, kPortTaken };

    PrivateBroker(TempDirectory directory, std::filesystem::path executable, BrokerOptions options,
                  std::optional<std::string> run_as_user);

    core::Result<bool> write_password_file() const;
    core::Result<bool> write_config() const;
    // Spawns mosquitto on port_ and waits until it accepts connections or exits.
    core::Result<LaunchOutcome> launch();
    // The log and output written since the given offsets, for error messages.
    [[nodiscard]] std::string diagnostics(std::uintmax_t log_offset,
                                          std::uintmax_t output_offset) const;

    // Declared first so that it is destroyed last, after the process that writes into it.
    TempDirectory directory_;
    BrokerFiles files_;
    std::filesystem::path executable_;
    BrokerOptions options_;
    std::optional<std::string> run_as_user_;
    std::string host_;
    int port_ = 0;
    ChildProcess process_;
};

// The `user` option for a config. Started as root, mosquitto switches to the user
// 'mosquitto' unless told otherwise, and that user cannot write our directories.
core::Result<std::optional<std::string>> run_as_user_name();

// Where mosquitto_passwd is: next to `mosquitto` first (its hash format must match), then
// in PATH and the usual directories.
core::Result<std::filesystem::path> find_password_tool(const std::filesystem::path& mosquitto);

// Where mosquitto is, or a message saying it is missing and how to install it.
core::Result<std::filesystem::path> find_mosquitto(const std::string& executable = "mosquitto");

}  // namespace cmdlink::broker
