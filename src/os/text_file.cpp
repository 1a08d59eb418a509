#include "os/text_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>

#include "os/system_error_text.hpp"
#include "os/unique_fd.hpp"

namespace cmdlink::os {

using os::UniqueFd;

namespace {

core::Result<bool> write_whole_file(const std::filesystem::path& path, std::string_view text,
                                    int flags, mode_t mode) {
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | flags, mode));
    if (!fd.valid()) {
        const int error = errno;
        return core::Error{"cannot create " + path.string() + ": " + system_error_text(error)};
    }
    std::size_t written = 0;
    while (written < text.size()) {
        const ssize_t count = ::write(fd.get(), text.data() + written, text.size() - written);
        if (count < 0) {
            const int error = errno;
            if (error == EINTR) continue;
            return core::Error{"cannot write " + path.string() + ": " + system_error_text(error)};
        }
        written += static_cast<std::size_t>(count);
    }
    if (fd.close() != 0) {
        const int error = errno;
        return core::Error{"cannot write " + path.string() + ": " + system_error_text(error)};
    }
    return true;
}

}  // namespace

core::Result<std::string> read_whole_file(const std::filesystem::path& path,
                                          std::string_view what) {
    const auto unreadable = [&] {
        return core::Error{"cannot read " + std::string(what) + " " + path.string()};
    };
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd.valid()) return unreadable();
    std::string text;
    std::array<char, std::size_t{64} * 1024> chunk{};
    while (true) {
        const ssize_t count = ::read(fd.get(), chunk.data(), chunk.size());
        if (count < 0 && errno == EINTR) continue;
        if (count < 0) return unreadable();
        if (count == 0) return text;
        text.append(chunk.data(), static_cast<std::size_t>(count));
    }
}

core::Result<bool> write_text_file(const std::filesystem::path& path, std::string_view text) {
    return write_whole_file(path, text, O_TRUNC, 0600);
}

core::Result<bool> write_file_atomically(const std::filesystem::path& path, std::string_view text,
                                         mode_t mode) {
    std::filesystem::path temporary = path;
    temporary += ".new";
    // O_EXCL: never follow a link or reuse a file someone else placed there.
    static_cast<void>(::unlink(temporary.c_str()));
    auto written = write_whole_file(temporary, text, O_EXCL, mode);
    if (!written) return written;
    // The umask may have narrowed `mode`; a config must be readable as asked.
    if (::chmod(temporary.c_str(), mode) != 0 || ::rename(temporary.c_str(), path.c_str()) != 0) {
        const int error = errno;
        static_cast<void>(::unlink(temporary.c_str()));
        return core::Error{"cannot write " + path.string() + ": " + system_error_text(error)};
    }
    return true;
}

std::uintmax_t file_size_or_zero(const std::filesystem::path& path) {
    struct stat status {};
    if (::stat(path.c_str(), &status) != 0) return 0;
    return static_cast<std::uintmax_t>(status.st_size);
}

std::string read_text_from(const std::filesystem::path& path, std::uintmax_t offset,
                           std::size_t max_bytes) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd.valid()) return {};
    struct stat status {};
    if (::fstat(fd.get(), &status) != 0) return {};
    const auto size = static_cast<std::uintmax_t>(status.st_size);
    if (offset >= size) return {};
    const std::uintmax_t start = (size - offset > max_bytes) ? size - max_bytes : offset;

    std::string text(static_cast<std::size_t>(size - start), '\0');
    std::size_t filled = 0;
    while (filled < text.size()) {
        const ssize_t count = ::pread(fd.get(), text.data() + filled, text.size() - filled,
                                      static_cast<off_t>(start + filled));
        if (count < 0 && errno == EINTR) continue;
        if (count <= 0) break;
        filled += static_cast<std::size_t>(count);
    }
    text.resize(filled);
    return text;
}

}  // namespace cmdlink::os
