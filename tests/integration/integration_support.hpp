#pragma once

#include <gtest/gtest.h>
#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "broker/broker_options.hpp"
#include "broker/child_process.hpp"
#include "broker/private_broker.hpp"
#include "broker/temp_directory.hpp"
#include "core/result.hpp"

// Helpers for tests that run the real cmdlink executable against a real Mosquitto.
namespace cmdlink::integration {

using Json = nlohmann::json;
using namespace std::chrono_literals;

// Generous limits for waiting loops: they bound a broken run, they never measure speed.
inline constexpr std::chrono::milliseconds kWaitLimit = 30s;

// The cmdlink executable this test binary was built with.
std::filesystem::path cmdlink_binary();

// Polls `condition` every few milliseconds until it holds (true) or `limit` passes (false).
bool wait_until(const std::function<bool()>& condition, std::chrono::milliseconds limit);

std::string read_text(const std::filesystem::path& path);

// The part of a process's stderr from the first sanitizer report on (AddressSanitizer,
// LeakSanitizer, UndefinedBehaviorSanitizer, ThreadSanitizer), or "" when there is none.
std::string sanitizer_report(std::string_view stderr_text);

// The events of `events` whose "event" field is `name`.
std::vector<Json> events_named(const std::vector<Json>& events, std::string_view name);

// One cmdlink process: its stdout (the --json lines) and its stderr (the transcript) go to
// two files of their own, so that a JSON line is never mixed with a log line.
class CmdlinkProcess {
  public:
    static core::Result<std::unique_ptr<CmdlinkProcess>> start(
        std::string name, const std::filesystem::path& directory,
        const std::vector<std::string>& arguments);

    CmdlinkProcess(const CmdlinkProcess&) = delete;
    CmdlinkProcess& operator=(const CmdlinkProcess&) = delete;
    ~CmdlinkProcess() = default;

    [[nodiscard]] const std::string& name() const { return name_; }
    // Started with --json: its stdout is the event stream of docs/json-events.md.
    [[nodiscard]] bool emits_events() const { return emits_events_; }

    // The exit code once the process has exited (128 + N when signal N killed it), nullopt
    // while it still runs after `limit`.
    std::optional<int> wait_for_exit(std::chrono::milliseconds limit = kWaitLimit);
    // Whether the process is still running, without waiting.
    bool running();
    // Sends `signal_number` to the process if it still runs.
    void send_signal(int signal_number);
    // SIGINT (a server ends its sessions at once; SIGTERM would let it drain them), then the
    // exit code; SIGTERM, then SIGKILL, if it did not end within the grace period.
    std::optional<int> stop();

    // Every complete JSON line written so far; a complete line that is not JSON fails the test.
    [[nodiscard]] std::vector<Json> events() const;
    [[nodiscard]] std::vector<Json> events(std::string_view name) const;
    [[nodiscard]] std::string stderr_text() const { return read_text(stderr_path_); }
    [[nodiscard]] std::string stdout_text() const { return read_text(stdout_path_); }
    // Name, exit state and the tail of both outputs, for failure messages.
    [[nodiscard]] std::string describe() const;

  private:
    CmdlinkProcess(std::string name, std::filesystem::path stdout_path,
                   std::filesystem::path stderr_path, broker::ChildProcess process);
    void remember_exit(int wait_status);

    std::string name_;
    bool emits_events_ = false;
    std::filesystem::path stdout_path_;
    std::filesystem::path stderr_path_;
    broker::ChildProcess process_;
    std::optional<int> exit_code_;
};

// A scratch directory and the cmdlink processes a test starts; on failure, their output is
// printed. Every process still running at the end is stopped.
class ProcessTest : public ::testing::Test {
  protected:
    void SetUp() override;
    void TearDown() override;

    [[nodiscard]] const std::filesystem::path& workspace() const;
    // Writes `text` to `name` in the scratch directory and returns its path.
    std::filesystem::path write_file(const std::string& name, std::string_view text);
    // Runs `cmdlink <arguments...>`; nullptr (and a test failure) if it cannot start.
    CmdlinkProcess* run_cmdlink(const std::string& name, const std::vector<std::string>& arguments);
    // Prints the outputs of every process started so far (called on failure).
    void print_outputs() const;
    // Fails the test for every process whose stderr holds a sanitizer report.
    void expect_no_sanitizer_reports() const;
    // Fails the test for every --json event of any process that docs/json-events.md does not
    // describe exactly (its schema, tests/integration/json_event_schema.hpp).
    void expect_documented_events() const;

  private:
    std::optional<broker::TempDirectory> workspace_;
    std::vector<std::unique_ptr<CmdlinkProcess>> processes_;
};

// ProcessTest plus a Mosquitto of the test's own on a free 127.0.0.1 port.
class BrokerTest : public ProcessTest {
  protected:
    void SetUp() override;
    void TearDown() override;
    // What the fixture's broker is started with; subclasses add persistence or users.
    [[nodiscard]] virtual broker::BrokerOptions broker_options() const { return {}; }

    broker::PrivateBroker& broker() { return *broker_; }
    // Stops the broker and starts a fresh one: a new port, no sessions, no database.
    void replace_broker();
    [[nodiscard]] int port() const { return broker_->port(); }
    [[nodiscard]] std::string port_text() const { return std::to_string(broker_->port()); }

    // `cmdlink server --host 127.0.0.1 --port P --json -q <flags...>` (with `--ledger
    // <workspace>/ledger.db` unless the flags name one), returned once the
    // server's subscriptions have reached the broker (so that no login can be lost).
    CmdlinkProcess* start_server(const std::vector<std::string>& flags);
    // `server` once the broker has its subscription to the replies (`+/+`, made after the one
    // to `login`), or nullptr with a failure naming `where` if it exits or never subscribes.
    CmdlinkProcess* when_subscribed(CmdlinkProcess* server, std::string_view where);
    // `cmdlink client --host 127.0.0.1 --port P --user-id ID --json -q <flags...>`.
    CmdlinkProcess* start_client(const std::string& user_id, const std::vector<std::string>& flags);
    // Whether the broker's log shows that `client_id` subscribed to `topic`.
    [[nodiscard]] bool broker_saw_subscription(std::string_view client_id,
                                               std::string_view topic) const;

  private:
    void start_broker();
    void keep_files_for_debugging() const;

    std::unique_ptr<broker::PrivateBroker> broker_;
};

// A TCP port on 127.0.0.1 where nothing listens right now.
std::optional<int> closed_port();

// The reply word of the default table for `command`, or "" when it is not in it.
std::string default_reply(std::string_view command);

}  // namespace cmdlink::integration
