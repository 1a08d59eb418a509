#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>

namespace cmdlink::os {

struct CpuTime {
    double user_s = 0;
    double system_s = 0;
    [[nodiscard]] double total_s() const { return user_s + system_s; }
};

// This process's peak resident set size in KiB (getrusage's ru_maxrss).
std::uint64_t peak_rss_kb();
// This process's CPU time so far, all threads.
CpuTime cpu_time();
// The calling thread's CPU time so far.
double thread_cpu_seconds();
// Another process's CPU time so far, from /proc/<pid>/stat; nullopt once it is gone.
std::optional<CpuTime> cpu_time_of(pid_t pid);

// Raises the open-file limit to at least `wanted` where allowed (the soft limit up to the
// hard one; the hard one too with CAP_SYS_RESOURCE) and returns the limit now in force.
std::uint64_t raise_open_file_limit(std::uint64_t wanted);

}  // namespace cmdlink::os
