#include "integration_support.hpp"

#include <sys/wait.h>

#include <algorithm>
#include <cctype>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <sstream>
#include <thread>
#include <utility>

#include "broker/broker_config.hpp"
#include "broker/loopback_port.hpp"
#include "core/text_lines.hpp"
#include "json_event_schema.hpp"
#include "os/text_file.hpp"

namespace cmdlink::integration {
namespace {

constexpr std::size_t kTailLines = 40;

// Through /bin/sh so that stderr gets a file of its own: ChildProcess sends both to one file.
constexpr const char* kSeparateStderrScript = "err=\"$1\"; shift; exec \"$@\" 2>\"$err\"";

std::string tail(const std::string& text) {
    return core::last_lines(text, kTailLines);
}

}  // namespace

// CMDLINK_BINARY_UNDER_TEST lets a bench script run these tests against another build (the
// one before a change, to show what the change fixed).
std::filesystem::path cmdlink_binary() {
    const char* other = std::getenv("CMDLINK_BINARY_UNDER_TEST");
    return other != nullptr && *other != '\0' ? std::filesystem::path(other)
                                              : std::filesystem::path(CMDLINK_BINARY);
}

bool wait_until(const std::function<bool()>& condition, std::chrono::milliseconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!condition()) {
        if (std::chrono::steady_clock::now() >= deadline) return false;
        std::this_thread::sleep_for(10ms);
    }
    return true;
}

std::string read_text(const std::filesystem::path& path) {
    auto text = os::read_whole_file(path, "the file");
    return text ? std::move(text.value()) : std::string();
}

std::string sanitizer_report(std::string_view stderr_text) {
    // Every report names its sanitizer followed by a colon ("ERROR: AddressSanitizer: ...",
    // "WARNING: ThreadSanitizer: ...", "SUMMARY: UndefinedBehaviorSanitizer: ..."); a UBSan
    // report starts with "<file>:<line>:<column>: runtime error: ...", before its name.
    static constexpr std::string_view kMarkers[] = {
        "AddressSanitizer:", "LeakSanitizer:", "ThreadSanitizer:", "UndefinedBehaviorSanitizer:",
        "runtime error:"};
    std::size_t first = std::string_view::npos;
    for (const std::string_view marker : kMarkers)
        first = std::min(first, stderr_text.find(marker));
    if (first == std::string_view::npos) return {};
    const std::size_t line_start = stderr_text.rfind('\n', first);
    return std::string(
        stderr_text.substr(line_start == std::string_view::npos ? 0 : line_start + 1));
}

std::vector<Json> events_named(const std::vector<Json>& events, std::string_view name) {
    std::vector<Json> named;
    for (const Json& event : events) {
        if (event.value("event", std::string()) == name) named.push_back(event);
    }
    return named;
}

std::string default_reply(std::string_view command) {
    static constexpr std::pair<std::string_view, std::string_view> kTable[] = {
        {"CMD1", "Apple"}, {"CMD2", "Cat"},  {"CMD3", "Dog"}, {"CMD4", "Rat"},
        {"CMD5", "Boy"},   {"CMD6", "Girl"}, {"CMD7", "Toy"}};
    for (const auto& [name, word] : kTable) {
        if (name == command) return std::string(word);
    }
    return {};
}

// --- CmdlinkProcess ---------------------------------------------------------------------

CmdlinkProcess::CmdlinkProcess(std::string name, std::filesystem::path stdout_path,
                               std::filesystem::path stderr_path, broker::ChildProcess process)
    : name_(std::move(name)),
      stdout_path_(std::move(stdout_path)),
      stderr_path_(std::move(stderr_path)),
      process_(std::move(process)) {}

core::Result<std::unique_ptr<CmdlinkProcess>> CmdlinkProcess::start(
    std::string name, const std::filesystem::path& directory,
    const std::vector<std::string>& arguments) {
    const auto stdout_path = directory / (name + ".stdout");
    const auto stderr_path = directory / (name + ".stderr");
    std::vector<std::string> shell_arguments = {"-c", kSeparateStderrScript, "sh",
                                                stderr_path.string(), cmdlink_binary().string()};
    shell_arguments.insert(shell_arguments.end(), arguments.begin(), arguments.end());
    auto spawned = broker::ChildProcess::spawn("/bin/sh", shell_arguments, stdout_path);
    if (!spawned) return core::Error{spawned.error()};
    std::unique_ptr<CmdlinkProcess> process(
        new CmdlinkProcess(std::move(name), stdout_path, stderr_path, std::move(spawned.value())));
    process->emits_events_ =
        std::find(arguments.begin(), arguments.end(), "--json") != arguments.end();
    return process;
}

void CmdlinkProcess::remember_exit(int wait_status) {
    if (WIFEXITED(wait_status)) {
        exit_code_ = WEXITSTATUS(wait_status);
    } else if (WIFSIGNALED(wait_status)) {
        exit_code_ = 128 + WTERMSIG(wait_status);
    } else {
        exit_code_ = 255;
    }
}

std::optional<int> CmdlinkProcess::wait_for_exit(std::chrono::milliseconds limit) {
    if (exit_code_) return exit_code_;
    auto waited = process_.wait_for_exit(limit);
    if (!waited) {
        ADD_FAILURE() << name_ << ": " << waited.error();
        return std::nullopt;
    }
    if (waited.value()) remember_exit(*waited.value());
    return exit_code_;
}

bool CmdlinkProcess::running() {
    if (exit_code_) return false;
    auto polled = process_.poll_exit();
    if (!polled) {
        ADD_FAILURE() << name_ << ": " << polled.error();
        return false;
    }
    if (polled.value()) remember_exit(*polled.value());
    return !exit_code_;
}

void CmdlinkProcess::send_signal(int signal_number) {
    // pid() is 0 once reaped: kill(0, ...) would signal the whole test process group.
    if (running() && process_.pid() > 0) ::kill(process_.pid(), signal_number);
}

std::optional<int> CmdlinkProcess::stop() {
    if (exit_code_) return exit_code_;
    send_signal(SIGINT);
    if (const auto code = wait_for_exit(std::chrono::milliseconds(10000))) return code;
    ADD_FAILURE() << name_ << " ignored SIGINT";
    auto ended = process_.terminate(std::chrono::milliseconds(10000));
    if (!ended) {
        ADD_FAILURE() << name_ << ": " << ended.error();
        return std::nullopt;
    }
    if (ended.value().needed_sigkill) {
        ADD_FAILURE() << name_ << " ignored SIGTERM and had to be killed";
    }
    remember_exit(ended.value().wait_status);
    return exit_code_;
}

std::vector<Json> CmdlinkProcess::events() const {
    std::vector<Json> parsed;
    const std::string text = read_text(stdout_path_);
    std::size_t start = 0;
    // Only complete lines: the last one may still be being written.
    for (std::size_t end = text.find('\n'); end != std::string::npos;
         start = end + 1, end = text.find('\n', start)) {
        const std::string_view line(text.data() + start, end - start);
        if (line.empty()) continue;
        Json event = Json::parse(line, nullptr, /*allow_exceptions=*/false);
        if (event.is_discarded() || !event.is_object()) {
            ADD_FAILURE() << name_ << " wrote a stdout line that is not a JSON object: " << line;
            continue;
        }
        parsed.push_back(std::move(event));
    }
    return parsed;
}

std::vector<Json> CmdlinkProcess::events(std::string_view name) const {
    return events_named(events(), name);
}

std::string CmdlinkProcess::describe() const {
    std::ostringstream text;
    text << "--- " << name_ << " ("
         << (exit_code_ ? "exit code " + std::to_string(*exit_code_) : std::string("running"))
         << ")\n--- stderr (tail):\n"
         << tail(stderr_text()) << "\n--- stdout (tail):\n"
         << tail(stdout_text()) << "\n";
    return text.str();
}

// --- ProcessTest ------------------------------------------------------------------------

void ProcessTest::SetUp() {
    auto directory = broker::TempDirectory::create("cmdlink-integration-");
    ASSERT_TRUE(directory.ok()) << directory.error();
    workspace_.emplace(std::move(directory.value()));
    // The client reads $XDG_CONFIG_HOME/cmdlink/client.toml when it exists: the defaults of
    // whoever runs the tests must not change what the tests run (a test may put a file there).
    ASSERT_EQ(::setenv("XDG_CONFIG_HOME", (workspace_->path() / "config").c_str(), 1), 0);
    // The same for the server's /etc/cmdlink/server.toml (config_flag.hpp).
    ASSERT_EQ(::setenv("CONFIGURATION_DIRECTORY", (workspace_->path() / "etc").c_str(), 1), 0);
}

void ProcessTest::TearDown() {
    if (HasFailure()) print_outputs();
    // Stop whatever still runs before the directory holding its output goes away.
    for (auto& process : processes_) {
        if (process->running()) process->stop();
    }
    expect_no_sanitizer_reports();
    expect_documented_events();
    processes_.clear();
}

void ProcessTest::expect_documented_events() const {
    for (const auto& process : processes_) {
        if (!process->emits_events()) continue;
        for (const Json& event : process->events()) {
            const auto problems = check_json_event(event);
            if (problems.empty()) continue;
            std::string text;
            for (const auto& problem : problems) text += "\n  " + problem;
            ADD_FAILURE() << process->name() << " emitted an event that docs/json-events.md "
                          << "does not describe: " << event.dump() << text;
        }
    }
}

const std::filesystem::path& ProcessTest::workspace() const {
    return workspace_->path();
}

std::filesystem::path ProcessTest::write_file(const std::string& name, std::string_view text) {
    const auto path = workspace() / name;
    auto written = os::write_text_file(path, text);
    EXPECT_TRUE(written.ok()) << written.error();
    return path;
}

CmdlinkProcess* ProcessTest::run_cmdlink(const std::string& name,
                                         const std::vector<std::string>& arguments) {
    // A name that is safe as a file name, unique within the test.
    std::string safe = std::to_string(processes_.size()) + "-";
    for (const char c : name.substr(0, 40))
        safe += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
    auto started = CmdlinkProcess::start(safe, workspace(), arguments);
    if (!started) {
        ADD_FAILURE() << "cannot start " << name << ": " << started.error();
        return nullptr;
    }
    processes_.push_back(std::move(started.value()));
    return processes_.back().get();
}

void ProcessTest::print_outputs() const {
    for (const auto& process : processes_) std::cerr << process->describe();
}

void ProcessTest::expect_no_sanitizer_reports() const {
    // Not every test checks each process's exit code, and a process the test kills never
    // gets to exit with the sanitizers' code: its stderr is what tells.
    for (const auto& process : processes_) {
        const std::string report = sanitizer_report(process->stderr_text());
        EXPECT_TRUE(report.empty()) << process->name() << " reported:\n" << report;
    }
}

// --- BrokerTest -------------------------------------------------------------------------

void BrokerTest::SetUp() {
    ProcessTest::SetUp();
    if (HasFatalFailure()) return;
    start_broker();
}

void BrokerTest::replace_broker() {
    broker_.reset();
    start_broker();
}

void BrokerTest::start_broker() {
    broker::BrokerOptions options = broker_options();
    // Subscriptions in the log tell when a server is ready for logins.
    options.extra_config += "\nlog_type subscribe\n";
    auto started = broker::PrivateBroker::start(std::move(options));
    ASSERT_TRUE(started.ok()) << started.error();
    broker_ = std::move(started.value());
}

void BrokerTest::TearDown() {
    if (HasFailure() && broker_) std::cerr << "--- broker log (tail):\n" << broker_->log_tail(40);
    ProcessTest::TearDown();
    keep_files_for_debugging();
    broker_.reset();
}

// CMDLINK_KEEP_TEST_FILES=<directory>: every test's scratch directory (outputs, ledger) and
// its broker's directory (config, log) are copied under <directory>/<test name>/ before they
// go away, so that a failure can be traced packet by packet afterwards.
void BrokerTest::keep_files_for_debugging() const {
    const char* keep = std::getenv("CMDLINK_KEEP_TEST_FILES");
    if (keep == nullptr || *keep == '\0' || !broker_) return;
    const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string name = test == nullptr ? std::string("unknown")
                                       : std::string(test->test_suite_name()) + "." + test->name();
    std::replace(name.begin(), name.end(), '/', '_');
    const std::filesystem::path target = std::filesystem::path(keep) / name;
    std::error_code error;
    std::filesystem::remove_all(target, error);
    std::filesystem::create_directories(target, error);
    const auto options = std::filesystem::copy_options::recursive;
    std::filesystem::copy(workspace(), target / "workspace", options, error);
    if (error) std::cerr << "cannot keep " << workspace() << ": " << error.message() << "\n";
    std::filesystem::copy(broker_->directory(), target / "broker", options, error);
    if (error)
        std::cerr << "cannot keep " << broker_->directory() << ": " << error.message() << "\n";
    std::cerr << "kept the test's files in " << target << "\n";
}

bool BrokerTest::broker_saw_subscription(std::string_view client_id, std::string_view topic) const {
    // Mosquitto logs each subscription as "<timestamp>: <client ID> <QoS> <topic>".
    const std::string log = read_text(broker::BrokerFiles::in(broker_->directory()).log);
    std::istringstream lines(log);
    for (std::string line; std::getline(lines, line);) {
        const std::string client_part = ": " + std::string(client_id) + " ";
        const auto at = line.find(client_part);
        if (at == std::string::npos) continue;
        const std::string_view rest = std::string_view(line).substr(at + client_part.size());
        const auto space = rest.find(' ');
        if (space != std::string_view::npos && rest.substr(space + 1) == topic) return true;
    }
    return false;
}

CmdlinkProcess* BrokerTest::start_server(const std::vector<std::string>& flags) {
    std::vector<std::string> arguments = {"server",    "--host", "127.0.0.1", "--port",
                                          port_text(), "--json", "-q"};
    arguments.insert(arguments.end(), flags.begin(), flags.end());
    // Each test keeps its ledger in its own directory, never in the shared working directory.
    if (std::find(flags.begin(), flags.end(), "--ledger") == flags.end()) {
        arguments.insert(arguments.end(), {"--ledger", (workspace() / "ledger.db").string()});
    }
    return when_subscribed(run_cmdlink("server", arguments), "to the replies");
}

CmdlinkProcess* BrokerTest::when_subscribed(CmdlinkProcess* server, std::string_view where) {
    if (server == nullptr) return nullptr;
    // The server subscribes to `login`, then to the replies (+/+): once the broker has the
    // second, it has the first.
    const bool ready = wait_until(
        [&] { return broker_saw_subscription("cmdlink-server", "+/+") || !server->running(); },
        kWaitLimit);
    if (!ready || !server->running()) {
        ADD_FAILURE() << "the server never subscribed " << where << "\n" << server->describe();
        return nullptr;
    }
    return server;
}

CmdlinkProcess* BrokerTest::start_client(const std::string& user_id,
                                         const std::vector<std::string>& flags) {
    std::vector<std::string> arguments = {"client",    "--host", "127.0.0.1", "--port", port_text(),
                                          "--user-id", user_id,  "--json",    "-q"};
    arguments.insert(arguments.end(), flags.begin(), flags.end());
    return run_cmdlink("client-" + user_id, arguments);
}

std::optional<int> closed_port() {
    // A port the kernel just handed out and nobody listens on: a connection is refused at
    // once. (Stopping a broker for one can take seconds on a loaded machine.)
    auto port = broker::pick_free_loopback_port();
    if (!port) {
        ADD_FAILURE() << port.error();
        return std::nullopt;
    }
    return port.value();
}

}  // namespace cmdlink::integration
