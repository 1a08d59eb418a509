#include "apps/output/console.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <utility>

#include "os/wall_clock_text.hpp"

namespace cmdlink::apps {

Console::Console(Verbosity verbosity, bool json, std::string role)
    : verbosity_(verbosity), json_(json), role_(std::move(role)) {
    const bool no_color = std::getenv("NO_COLOR") != nullptr;
    auto sink = std::make_shared<spdlog::sinks::stderr_color_sink_st>(
        no_color ? spdlog::color_mode::never : spdlog::color_mode::automatic);
    status_ = std::make_shared<StatusLine>(stderr, ::isatty(STDERR_FILENO) == 1);
    logger_ = std::make_shared<spdlog::logger>(
        "cmdlink", std::make_shared<StatusAwareSink>(std::move(sink), status_));
    logger_->set_pattern("%H:%M:%S.%e %^%-5l%$ %v");
    switch (verbosity) {
        case Verbosity::kQuiet:
            logger_->set_level(spdlog::level::warn);
            break;
        case Verbosity::kNormal:
            logger_->set_level(spdlog::level::info);
            break;
        case Verbosity::kVerbose:
            logger_->set_level(spdlog::level::debug);
            break;
    }
}

core::Status Console::add_log_file(const std::filesystem::path& path) {
    auto sink = LogFileSink::open(path);
    if (!sink) return sink.failure();
    log_file_ = std::move(sink.value());
    logger_->sinks().push_back(log_file_);
    return core::Ok{};
}

core::Status Console::reopen_log_file() {
    if (!log_file_) return core::Ok{};
    return log_file_->reopen();
}

void Console::emit(nlohmann::json event) const {
    if (!json_) return;
    event["schema"] = kEventSchemaVersion;
    event["time"] = os::iso8601_local(std::chrono::system_clock::now());
    if (!event.contains("role")) event["role"] = role_;
    const std::string line = event.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    std::fwrite(line.data(), 1, line.size(), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout);
}

Verbosity verbosity_from_flags(bool verbose, bool quiet) {
    if (quiet) return Verbosity::kQuiet;
    return verbose ? Verbosity::kVerbose : Verbosity::kNormal;
}

}  // namespace cmdlink::apps
