#pragma once

#include <spdlog/details/null_mutex.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/base_sink.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include "core/result.hpp"

namespace cmdlink::apps {

// ISO-8601 local time with the date and the zone's offset (2026-11-30T01:02:03.456+01:00),
// so that a log file read elsewhere, or after a clock change, still says when.
inline constexpr const char* kLogFilePattern = "%Y-%m-%dT%H:%M:%S.%e%z %-5l %v";

// --log-file: log lines appended to a file, each flushed at once, that reopen() opens again
// at the same path: logrotate renames the file away and sends SIGHUP, and the lines after it
// go to a new file at the path.
class LogFileSink final : public spdlog::sinks::base_sink<spdlog::details::null_mutex> {
  public:
    static core::Result<std::shared_ptr<LogFileSink>> open(std::filesystem::path path);

    core::Status reopen();
    [[nodiscard]] const std::filesystem::path& path() const { return path_; }

  protected:
    void sink_it_(const spdlog::details::log_msg& message) override;
    void flush_() override;

  private:
    struct FileCloser {
        void operator()(std::FILE* file) const { std::fclose(file); }
    };
    using File = std::unique_ptr<std::FILE, FileCloser>;

    LogFileSink(std::filesystem::path path, File file);
    static core::Result<File> open_file(const std::filesystem::path& path);

    std::filesystem::path path_;
    File file_;
};

}  // namespace cmdlink::apps
