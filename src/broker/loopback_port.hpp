#pragma once

#include <sys/types.h>

#include <optional>
#include <string_view>

#include "core/result.hpp"

namespace cmdlink::broker {

// The only address a private broker ever listens on or is reached at.
inline constexpr std::string_view kLoopbackAddress = "127.0.0.1";

// A TCP port on 127.0.0.1 that is free right now. The kernel picks it, so parallel test
// runs do not collide the way a fixed port would; someone may still take it before the
// broker binds it, which the caller must handle.
core::Result<int> pick_free_loopback_port();

// True when a TCP connection to 127.0.0.1:`port` is accepted.
bool loopback_port_accepts(int port);

// Whether process `pid` holds the socket listening on TCP `port` (IPv4), read from /proc;
// nullopt when /proc cannot tell.
std::optional<bool> process_listens_on(pid_t pid, int port);

}  // namespace cmdlink::broker
