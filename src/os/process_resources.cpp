#include "os/process_resources.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <ctime>
#include <limits>
#include <sstream>
#include <string>

#include "os/text_file.hpp"

namespace cmdlink::os {
namespace {

double seconds(const timeval& value) {
    return static_cast<double>(value.tv_sec) + static_cast<double>(value.tv_usec) / 1e6;
}

}  // namespace

std::uint64_t peak_rss_kb() {
    rusage usage{};
    ::getrusage(RUSAGE_SELF, &usage);
    return static_cast<std::uint64_t>(usage.ru_maxrss);
}

CpuTime cpu_time() {
    rusage usage{};
    ::getrusage(RUSAGE_SELF, &usage);
    return {seconds(usage.ru_utime), seconds(usage.ru_stime)};
}

double thread_cpu_seconds() {
    timespec now{};
    ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
    return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) / 1e9;
}

std::optional<CpuTime> cpu_time_of(pid_t pid) {
    const auto read = read_whole_file("/proc/" + std::to_string(pid) + "/stat", "the stat file");
    if (!read) return std::nullopt;
    const std::string& stat = read.value();
    // The command name in parentheses may hold spaces; the fields after it are fixed.
    const auto name_end = stat.rfind(')');
    if (name_end == std::string::npos || name_end + 2 > stat.size()) return std::nullopt;
    std::istringstream fields(stat.substr(name_end + 2));
    std::string field;
    // After the name: state(3) ... utime is field 14 and stime field 15 of the whole line.
    for (int index = 3; index < 14 && fields >> field; ++index) {
    }
    double utime = 0;
    double stime = 0;
    if (!(fields >> utime >> stime)) return std::nullopt;
    const auto ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
    return CpuTime{utime / ticks, stime / ticks};
}

std::uint64_t raise_open_file_limit(std::uint64_t wanted) {
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return 0;
    if (limit.rlim_cur >= wanted) return limit.rlim_cur;
    // rlim_t is 32 bits on armhf.
    const rlim_t target = wanted >= std::numeric_limits<rlim_t>::max()
                              ? std::numeric_limits<rlim_t>::max()
                              : static_cast<rlim_t>(wanted);
    if (limit.rlim_max < target) {
        rlimit raised{target, target};
        if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) return target;
    }
    limit.rlim_cur = std::min<rlim_t>(limit.rlim_max, target);
    ::setrlimit(RLIMIT_NOFILE, &limit);
    ::getrlimit(RLIMIT_NOFILE, &limit);
    return limit.rlim_cur;
}

}  // namespace cmdlink::os
