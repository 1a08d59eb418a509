#pragma once

#include <spdlog/logger.h>

#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "apps/output/log_file_sink.hpp"
#include "apps/output/status_line.hpp"
#include "core/result.hpp"

namespace cmdlink::apps {

enum class Verbosity { kQuiet, kNormal, kVerbose };

// Human progress and errors on stderr (coloured only on a terminal without NO_COLOR);
// with --json, one JSON object per line on stdout for pipes.
class Console {
  public:
    // `role` names the side in every event line that does not name one itself: client,
    // server, demo or bench (docs/json-events.md).
    Console(Verbosity verbosity, bool json, std::string role);

    [[nodiscard]] spdlog::logger& log() { return *logger_; }
    [[nodiscard]] bool json() const { return json_; }
    [[nodiscard]] Verbosity verbosity() const { return verbosity_; }
    // Writes one event line to stdout, flushed, so a pipe sees it at once, with the schema
    // version, the wall-clock time and the role added (docs/json-events.md).
    void emit(nlohmann::json event) const;
    // The self-rewriting line on stderr; enabled only when stderr is a terminal.
    [[nodiscard]] StatusLine& status() { return *status_; }

    // --log-file: every log line also goes to `path`, with the date and zone offset.
    core::Status add_log_file(const std::filesystem::path& path);
    [[nodiscard]] bool has_log_file() const { return log_file_ != nullptr; }
    // Opens the log file again at its path (after logrotate renamed it away).
    core::Status reopen_log_file();

  private:
    std::shared_ptr<StatusLine> status_;
    std::shared_ptr<spdlog::logger> logger_;
    std::shared_ptr<LogFileSink> log_file_;
    Verbosity verbosity_;
    bool json_;
    std::string role_;
};

Verbosity verbosity_from_flags(bool verbose, bool quiet);

// The version of the --json event schema (docs/json-events.md): raised whenever an event or
// field changes meaning or goes away; new events and fields keep it.
inline constexpr int kEventSchemaVersion = 1;

}  // namespace cmdlink::apps
