#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "core/result.hpp"
#include "fault_schedule.hpp"
#include "os/unique_fd.hpp"

namespace cmdlink::faults {

enum class FaultMode {
    kPassThrough,  // forwards every byte, never interferes
    kCut,          // resets each connection after its forwarding time
    kStall,        // stops each connection in both directions for a while, again and again
};

std::string_view to_string(FaultMode mode);

struct FaultProxyOptions {
    // Where the proxy forwards to, on 127.0.0.1 (a Mosquitto's port, in the tests).
    int target_port = 0;
    FaultMode mode = FaultMode::kPassThrough;
    // Seeds every connection's FaultSchedule.
    std::uint64_t seed = 0;
    FaultTimings timings;
    // How long bytes wait in the proxy before they go on, each way: a slower link, over
    // which a cut catches more packets in flight.
    std::chrono::milliseconds latency{0};
};

// What the proxy has done so far.
struct FaultProxyCounts {
    std::uint64_t accepted = 0;
    // Accepted connections whose target refused or failed the connection.
    std::uint64_t target_unreachable = 0;
    // Connections the proxy reset (mode kCut).
    std::uint64_t cuts = 0;
    // Stalls begun (mode kStall), and the connections in a stall right now.
    std::uint64_t stalls = 0;
    std::uint64_t stalled_now = 0;
    // Connections that one side closed or reset.
    std::uint64_t closed_by_peer = 0;
    std::uint64_t open_now = 0;
    std::uint64_t bytes_to_target = 0;
    std::uint64_t bytes_from_target = 0;
};

// A TCP proxy on a free 127.0.0.1 port for tests: every connection accepted is forwarded to
// 127.0.0.1:target_port, and, by the mode, cut or stalled at times drawn from the seed. It
// runs on a thread of its own (plain sockets and epoll, so that a stalled connection can stop
// reading and writing without closing), from start() until it is destroyed.
class FaultProxy {
  public:
    static core::Result<std::unique_ptr<FaultProxy>> start(const FaultProxyOptions& options);

    FaultProxy(const FaultProxy&) = delete;
    FaultProxy& operator=(const FaultProxy&) = delete;
    // Stops the thread and closes every connection (an orderly close, not a reset).
    ~FaultProxy();

    [[nodiscard]] int port() const { return port_; }
    [[nodiscard]] const FaultProxyOptions& options() const { return options_; }
    // Safe from any thread.
    [[nodiscard]] FaultProxyCounts counts() const;
    // Why the proxy's thread stopped on its own (epoll failed), or nullopt while it runs.
    [[nodiscard]] std::optional<std::string> failure() const;
    // "cut mode, seed N (replay with CMDLINK_FAULT_SEED=N)": for test output.
    [[nodiscard]] std::string describe() const;

  private:
    struct Link;
    enum class Side : std::uint64_t { kClient = 0, kTarget = 1 };

    FaultProxy(const FaultProxyOptions& options, os::UniqueFd listener, int port,
               os::UniqueFd epoll, os::UniqueFd stop);

    void run();
    [[nodiscard]] int wait_ms() const;
    void dispatch(std::uint64_t tag, std::uint32_t events);
    void accept_connections();
    void open_link(os::UniqueFd client);
    void on_ready(Link& link, Side side, std::uint32_t events);
    bool finish_connect(Link& link, std::uint32_t events);
    // Each moves bytes once; false when the link had to be closed.
    bool read_side(Link& link, Side side);
    bool write_side(Link& link, Side side);
    void apply_due_faults();
    void release_held_bytes();
    void update_interest(Link& link);
    void close_link(Link& link, bool reset);
    void record_failure(std::string message);

    FaultProxyOptions options_;
    os::UniqueFd listener_;
    int port_ = 0;
    os::UniqueFd epoll_;
    os::UniqueFd stop_;
    bool stopping_ = false;
    std::uint64_t next_link_number_ = 1;
    // By link number: an epoll event carries the number, so an event for a link closed
    // earlier in the same batch finds it gone (or marked closed) and is skipped.
    std::map<std::uint64_t, std::unique_ptr<Link>> links_;

    struct AtomicCounts {
        std::atomic<std::uint64_t> accepted{0};
        std::atomic<std::uint64_t> target_unreachable{0};
        std::atomic<std::uint64_t> cuts{0};
        std::atomic<std::uint64_t> stalls{0};
        std::atomic<std::uint64_t> stalled_now{0};
        std::atomic<std::uint64_t> closed_by_peer{0};
        std::atomic<std::uint64_t> open_now{0};
        std::atomic<std::uint64_t> bytes_to_target{0};
        std::atomic<std::uint64_t> bytes_from_target{0};
    };
    AtomicCounts counts_;
    mutable std::mutex failure_mutex_;
    std::optional<std::string> failure_;
    // Last, so that everything above exists before the thread starts using it.
    std::thread thread_;
};

// The seed for a test's proxy: CMDLINK_FAULT_SEED when set (to replay a failure), else a
// fresh one from std::random_device.
std::uint64_t fault_seed_from_environment();

}  // namespace cmdlink::faults
