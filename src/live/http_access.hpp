#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace cmdlink::live {

// Where the live view listens and what a request must show to be served.
struct HttpAccess {
    std::string address = "127.0.0.1";  // numeric IPv4 or IPv6
    int port = 0;                       // 0: any free port (the server logs which)
    std::optional<std::string> token;   // Bearer token every request needs, if any
};

// `--http PORT` or `--http ADDR:PORT` (`[ADDR]:PORT` for IPv6) and `--http-token-file`: a
// non-loopback address needs a token, since the view shows student IDs to whoever asks.
core::Result<HttpAccess> http_access(std::string_view http, const std::string& token_file);

// Whether `address` (numeric) is one of this machine's loopback addresses.
bool is_loopback(const std::string& address);

// Whether a request showing `authorization` (its Authorization header) or `query_token` (its
// `token` parameter) may be served.
bool authorized(const HttpAccess& access, std::string_view authorization,
                std::string_view query_token);

}  // namespace cmdlink::live
