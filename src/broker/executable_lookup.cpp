#include "broker/executable_lookup.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>

namespace cmdlink::broker {
namespace {

bool is_executable_file(const std::filesystem::path& path) {
    struct stat status {};
    return ::stat(path.c_str(), &status) == 0 && S_ISREG(status.st_mode) &&
           ::access(path.c_str(), X_OK) == 0;
}

}  // namespace

std::optional<std::filesystem::path> find_executable(
    std::string_view name, const std::vector<std::string>& fallback_directories) {
    if (name.empty()) return std::nullopt;
    if (name.find('/') != std::string_view::npos) {
        std::filesystem::path path(name);
        if (is_executable_file(path)) return path;
        return std::nullopt;
    }

    std::vector<std::string> directories;
    const char* search_path = std::getenv("PATH");
    std::string_view rest = search_path != nullptr ? search_path : "";
    while (!rest.empty()) {
        const std::size_t colon = rest.find(':');
        const std::string_view entry = rest.substr(0, colon);
        // An empty entry means the current directory; running a broker from wherever the
        // tests happen to start is a surprise nobody wants, so it is skipped.
        if (!entry.empty()) directories.emplace_back(entry);
        if (colon == std::string_view::npos) break;
        rest.remove_prefix(colon + 1);
    }
    directories.insert(directories.end(), fallback_directories.begin(), fallback_directories.end());

    for (const std::string& directory : directories) {
        std::filesystem::path candidate = std::filesystem::path(directory) / name;
        if (is_executable_file(candidate)) return candidate;
    }
    return std::nullopt;
}

}  // namespace cmdlink::broker
