#include "live/http_access.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <array>
#include <charconv>

#include "core/text_lines.hpp"
#include "os/text_file.hpp"

namespace cmdlink::live {
namespace {

core::Result<int> parse_port(std::string_view text, std::string_view http) {
    int port = -1;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), port);
    if (text.empty() || error != std::errc() || end != text.data() + text.size() || port < 0 ||
        port > 65535) {
        return core::Error{"--http " + std::string(http) + ": '" + std::string(text) +
                           "' is not a port (0-65535)"};
    }
    return port;
}

bool is_numeric_address(const std::string& address) {
    std::array<unsigned char, sizeof(in6_addr)> bytes{};
    return inet_pton(AF_INET, address.c_str(), bytes.data()) == 1 ||
           inet_pton(AF_INET6, address.c_str(), bytes.data()) == 1;
}

// Equal or not, in a time that does not depend on where the first difference is.
bool same_secret(std::string_view given, std::string_view secret) {
    if (secret.empty()) return false;
    unsigned char difference = given.size() == secret.size() ? 0 : 1;
    for (std::size_t at = 0; at < given.size(); ++at) {
        difference |= static_cast<unsigned char>(given[at] ^ secret[at % secret.size()]);
    }
    return difference == 0;
}

core::Result<std::string> read_token(const std::string& path) {
    auto text = os::read_whole_file(path, "the --http-token-file");
    if (!text) return text.failure();
    const auto first = core::LineReader(text.value()).next();
    std::string token = first ? std::string(first->text) : std::string();
    // A short token can be guessed by anyone who can reach the port.
    if (token.size() < 16) {
        return core::Error{"--http-token-file " + path +
                           ": the token on its first line must be at least 16 characters "
                           "(e.g. `openssl rand -hex 16 > " +
                           path + "`)"};
    }
    for (const char c : token) {
        if (c <= ' ' || c == 0x7f) {
            return core::Error{"--http-token-file " + path +
                               ": the token must be printable, without spaces"};
        }
    }
    return token;
}

}  // namespace

bool is_loopback(const std::string& address) {
    in_addr v4{};
    if (inet_pton(AF_INET, address.c_str(), &v4) == 1) {
        return (ntohl(v4.s_addr) >> 24U) == 127U;
    }
    in6_addr v6{};
    return inet_pton(AF_INET6, address.c_str(), &v6) == 1 && IN6_IS_ADDR_LOOPBACK(&v6);
}

core::Result<HttpAccess> http_access(std::string_view http, const std::string& token_file) {
    HttpAccess access;
    const std::size_t colon = http.rfind(':');
    if (colon == std::string_view::npos) {
        auto port = parse_port(http, http);
        if (!port) return port.failure();
        access.port = port.value();
    } else {
        std::string address(http.substr(0, colon));
        if (address.size() >= 2 && address.front() == '[' && address.back() == ']') {
            address = address.substr(1, address.size() - 2);
        }
        if (!is_numeric_address(address)) {
            return core::Error{"--http " + std::string(http) + ": '" + address +
                               "' is not a numeric IPv4 or IPv6 address (127.0.0.1, 0.0.0.0, "
                               "[::1], ...)"};
        }
        auto port = parse_port(http.substr(colon + 1), http);
        if (!port) return port.failure();
        access.address = std::move(address);
        access.port = port.value();
    }
    if (!token_file.empty()) {
        auto token = read_token(token_file);
        if (!token) return token.failure();
        access.token = std::move(token.value());
    } else if (!is_loopback(access.address)) {
        return core::Error{"--http " + std::string(http) +
                           ": a live view outside this machine (not 127.0.0.1 or ::1) shows "
                           "student IDs to anyone who can reach it; give --http-token-file "
                           "FILE with a secret token, or listen on 127.0.0.1"};
    }
    return access;
}

bool authorized(const HttpAccess& access, std::string_view authorization,
                std::string_view query_token) {
    if (!access.token) return true;
    constexpr std::string_view kBearer = "Bearer ";
    if (authorization.starts_with(kBearer) &&
        same_secret(authorization.substr(kBearer.size()), *access.token)) {
        return true;
    }
    return !query_token.empty() && same_secret(query_token, *access.token);
}

}  // namespace cmdlink::live
