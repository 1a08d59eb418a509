#pragma once

#include "core/result.hpp"

namespace cmdlink::apps {

// Listed in every --help and in the README; scripts depend on them, so never renumber.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;         // the exchange ran but did not pass (server, demo)
inline constexpr int kExitUsage = 2;          // bad usage or input
inline constexpr int kExitCannotConnect = 3;  // cannot connect, or authentication refused
inline constexpr int kExitLoginTimeout = 4;   // no session ID within the login timeout
inline constexpr int kExitIdleTimeout = 5;    // no command or end within the idle timeout
inline constexpr int kExitInterrupted = 6;    // SIGINT/SIGTERM/SIGHUP, after a clean disconnect
inline constexpr int kExitSystem = 7;         // the system refused a resource (descriptors, memory)
inline constexpr int kExitNoSharedGroup = 8;  // server --shared-group: the broker cannot share

// The exit code of a command that stops on `error`.
inline int exit_code_for(const core::Error& error) {
    switch (error.kind) {
        case core::ErrorKind::kInput:
            return kExitUsage;
        case core::ErrorKind::kConnection:
            return kExitCannotConnect;
        case core::ErrorKind::kSystem:
            return kExitSystem;
    }
    return kExitUsage;
}

inline constexpr const char* kExitCodeHelp =
    "Exit codes: 0 passed (Well done my IoT!), 1 finished without passing, 2 bad usage or "
    "input, 3 cannot connect or authentication refused, 4 no session ID within the login "
    "timeout, 5 idle timeout, 6 interrupted by SIGINT, SIGTERM or SIGHUP (after a clean "
    "disconnect), 7 the system refused a "
    "resource (open files, memory, threads).";

}  // namespace cmdlink::apps
