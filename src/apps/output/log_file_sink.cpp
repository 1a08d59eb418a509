#include "apps/output/log_file_sink.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace cmdlink::apps {

LogFileSink::LogFileSink(std::filesystem::path path, File file)
    : path_(std::move(path)), file_(std::move(file)) {
    set_formatter(std::make_unique<spdlog::pattern_formatter>(kLogFilePattern));
}

core::Result<LogFileSink::File> LogFileSink::open_file(const std::filesystem::path& path) {
    // 0640: the log names students and sessions; the group (adm, say) may read it.
    const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    if (fd < 0) {
        return core::Error{"cannot open the log file " + path.string() + ": " +
                           std::strerror(errno) +
                           " (does its directory exist, and may we write "
                           "there?)"};
    }
    std::FILE* file = ::fdopen(fd, "a");
    if (file == nullptr) {
        const int error = errno;
        ::close(fd);
        return core::Error{"cannot open the log file " + path.string() + ": " +
                           std::strerror(error)};
    }
    return File(file);
}

core::Result<std::shared_ptr<LogFileSink>> LogFileSink::open(std::filesystem::path path) {
    auto file = open_file(path);
    if (!file) return file.failure();
    return std::shared_ptr<LogFileSink>(new LogFileSink(std::move(path), std::move(file.value())));
}

core::Status LogFileSink::reopen() {
    // The old file stays in use until the new one is open: a failed reopen loses no line.
    auto file = open_file(path_);
    if (!file) return file.failure();
    file_ = std::move(file.value());
    return core::Ok{};
}

void LogFileSink::sink_it_(const spdlog::details::log_msg& message) {
    spdlog::memory_buf_t formatted;
    formatter_->format(message, formatted);
    // A full disk must not stop the server: the lines that cannot be written are lost.
    static_cast<void>(std::fwrite(formatted.data(), 1, formatted.size(), file_.get()));
    static_cast<void>(std::fflush(file_.get()));
}

void LogFileSink::flush_() {
    static_cast<void>(std::fflush(file_.get()));
}

}  // namespace cmdlink::apps
