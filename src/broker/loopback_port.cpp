#include "broker/loopback_port.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <filesystem>
#include <sstream>
#include <string>
#include <system_error>
#include <vector>

#include "core/text_lines.hpp"
#include "os/system_error_text.hpp"
#include "os/text_file.hpp"
#include "os/unique_fd.hpp"

namespace cmdlink::broker {

using os::UniqueFd;
namespace {

sockaddr_in loopback_socket_address(int port) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return address;
}

// The inodes ("socket:[N]" as /proc/<pid>/fd shows them) of IPv4 sockets listening on `port`.
std::optional<std::vector<std::string>> listening_socket_links(int port) {
    const auto table = os::read_whole_file("/proc/net/tcp", "the socket table");
    if (!table) return std::nullopt;
    constexpr std::string_view kListenState = "0A";
    std::vector<std::string> links;
    core::LineReader lines(table.value());
    static_cast<void>(lines.next());  // column titles
    while (const auto line = lines.next()) {
        std::istringstream fields{std::string(line->text)};
        std::string slot, local, remote, state, queues, timer, retransmits, uid, timeout, inode;
        if (!(fields >> slot >> local >> remote >> state >> queues >> timer >> retransmits >> uid >>
              timeout >> inode)) {
            continue;
        }
        if (state != kListenState) continue;
        const std::size_t colon = local.find(':');
        if (colon == std::string::npos) continue;
        unsigned int local_port = 0;
        const char* first = local.data() + colon + 1;
        const char* last = local.data() + local.size();
        const auto [end, error] = std::from_chars(first, last, local_port, 16);
        if (error != std::errc{} || end != last) continue;
        if (local_port == static_cast<unsigned int>(port))
            links.push_back("socket:[" + inode + "]");
    }
    return links;
}

}  // namespace

core::Result<int> pick_free_loopback_port() {
    UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd.valid()) {
        const int error = errno;
        return core::Error{"cannot create a TCP socket to find a free port: " +
                           os::system_error_text(error)};
    }
    sockaddr_in address = loopback_socket_address(0);
    if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
        const int error = errno;
        return core::Error{"cannot bind a TCP socket to 127.0.0.1 to find a free port: " +
                           os::system_error_text(error) + " (is the loopback interface up?)"};
    }
    socklen_t length = sizeof address;
    if (::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&address), &length) != 0) {
        const int error = errno;
        return core::Error{"cannot read the port the kernel picked: " +
                           os::system_error_text(error)};
    }
    return static_cast<int>(ntohs(address.sin_port));
}

bool loopback_port_accepts(int port) {
    UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd.valid()) return false;
    const sockaddr_in address = loopback_socket_address(port);
    // EINTR leaves the connection half-made; the caller simply asks again later.
    if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
        return false;
    }
    // With nobody listening, the kernel can pick the target port as our own source port and
    // connect the socket to itself; that is not a broker.
    sockaddr_in local{};
    socklen_t length = sizeof local;
    if (::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&local), &length) != 0) return false;
    return ntohs(local.sin_port) != port;
}

std::optional<bool> process_listens_on(pid_t pid, int port) {
    const auto links = listening_socket_links(port);
    if (!links) return std::nullopt;
    if (links->empty()) return false;

    std::error_code error;
    std::filesystem::directory_iterator entry("/proc/" + std::to_string(pid) + "/fd", error);
    if (error) return std::nullopt;
    for (; entry != std::filesystem::directory_iterator(); entry.increment(error)) {
        if (error) return std::nullopt;
        std::error_code link_error;
        const std::filesystem::path target =
            std::filesystem::read_symlink(entry->path(), link_error);
        // The descriptor may have been closed since the directory was read.
        if (link_error) continue;
        if (std::find(links->begin(), links->end(), target.string()) != links->end()) return true;
    }
    if (error) return std::nullopt;
    return false;
}

}  // namespace cmdlink::broker
