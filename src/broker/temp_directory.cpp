#include "broker/temp_directory.hpp"

#include <cerrno>
#include <cstdlib>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "os/system_error_text.hpp"

namespace cmdlink::broker {

core::Result<TempDirectory> TempDirectory::create(std::string_view prefix) {
    const char* tmpdir = std::getenv("TMPDIR");
    const std::filesystem::path base = (tmpdir != nullptr && *tmpdir != '\0') ? tmpdir : "/tmp";
    const std::string pattern = (base / (std::string(prefix) + "XXXXXX")).string();

    // mkdtemp() fills in the X's in place, so it needs a writable, NUL-terminated copy.
    std::vector<char> buffer(pattern.begin(), pattern.end());
    buffer.push_back('\0');
    if (::mkdtemp(buffer.data()) == nullptr) {
        const int error = errno;
        return core::Error{"cannot create a temporary directory under " + base.string() + ": " +
                           os::system_error_text(error) + " (set TMPDIR to a writable directory)"};
    }
    return TempDirectory(std::filesystem::path(buffer.data()));
}

TempDirectory::TempDirectory(TempDirectory&& other) noexcept
    : path_(std::exchange(other.path_, {})) {}

TempDirectory& TempDirectory::operator=(TempDirectory&& other) noexcept {
    if (this != &other) {
        remove();
        path_ = std::exchange(other.path_, {});
    }
    return *this;
}

TempDirectory::~TempDirectory() {
    remove();
}

void TempDirectory::remove() {
    if (path_.empty()) return;
    // A destructor cannot report failure; a leftover directory in /tmp is harmless.
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
    path_.clear();
}

}  // namespace cmdlink::broker
