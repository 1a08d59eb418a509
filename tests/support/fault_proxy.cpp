#include "fault_proxy.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <random>
#include <system_error>
#include <utility>
#include <vector>

#include "os/system_error_text.hpp"

namespace cmdlink::faults {

using os::UniqueFd;
using Clock = std::chrono::steady_clock;

namespace {

// Per direction: what one side sent and the other has not taken yet. A full buffer stops
// reading from the sender, so a slow reader slows its sender, as TCP itself would.
constexpr std::size_t kBufferBytes = std::size_t{64} * 1024;
// The longest epoll wait: how late a fault can be, at worst, beyond its drawn time.
constexpr int kLongestWaitMs = 20;
constexpr int kEventsPerWait = 64;
// Accepts per readiness event of the listening socket; more wait for the next turn.
constexpr int kAcceptsPerEvent = 64;
constexpr std::uint64_t kListenerTag = ~std::uint64_t{0};
constexpr std::uint64_t kStopTag = kListenerTag - 1;

sockaddr_in loopback_address(int port) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return address;
}

std::string errno_text(std::string_view what, int error) {
    return std::string(what) + ": " + os::system_error_text(error);
}

// MQTT packets are small: without it, Nagle's algorithm and delayed ACKs would add up to
// 40 ms to every lockstep round trip through the proxy.
void disable_nagle(int fd) {
    const int on = 1;
    // A failure only costs latency, which no fault test measures.
    static_cast<void>(::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on));
}

// Close with an RST rather than a FIN, as a connection that dies in the network looks to
// both ends: whatever either side had in flight is gone.
void arrange_reset(int fd) {
    const linger abort_on_close{1, 0};
    static_cast<void>(
        ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &abort_on_close, sizeof abort_on_close));
}

}  // namespace

std::string_view to_string(FaultMode mode) {
    switch (mode) {
        case FaultMode::kPassThrough:
            return "pass-through";
        case FaultMode::kCut:
            return "cut";
        case FaultMode::kStall:
            return "stall";
    }
    return "unknown";
}

// Bytes from one side not yet written to the other.
struct Pipe {
    std::vector<char> bytes = std::vector<char>(kBufferBytes);
    std::size_t begin = 0;
    std::size_t end = 0;
    // The first `releasable` bytes from `begin` may be written; the rest wait out the latency
    // in `held`, as (when due, how many) in the order they were read.
    std::size_t releasable = 0;
    std::deque<std::pair<Clock::time_point, std::size_t>> held;
    bool source_closed = false;

    [[nodiscard]] bool has_room() const { return end < bytes.size(); }
    [[nodiscard]] bool pending() const { return releasable > 0; }
    // Done: the source has closed and everything it sent was passed on.
    [[nodiscard]] bool drained_and_closed() const { return source_closed && begin == end; }
    [[nodiscard]] Clock::time_point next_release() const {
        return held.empty() ? Clock::time_point::max() : held.front().first;
    }
    void arrived(std::size_t count, Clock::time_point due, Clock::time_point now) {
        end += count;
        if (due <= now) {
            releasable += count;
        } else {
            held.emplace_back(due, count);
        }
    }
    // True if bytes became writable.
    bool release(Clock::time_point now) {
        const std::size_t before = releasable;
        for (std::size_t i = 0; i < kBufferBytes && !held.empty() && held.front().first <= now;
             ++i) {
            releasable += held.front().second;
            held.pop_front();
        }
        return releasable > before;
    }
    void consumed(std::size_t count) {
        begin += count;
        releasable -= count;
        if (begin == end) begin = end = 0;
    }
    void make_room() {
        if (begin == 0) return;
        std::memmove(bytes.data(), bytes.data() + begin, end - begin);
        end -= begin;
        begin = 0;
    }
};

struct FaultProxy::Link {
    Link(std::uint64_t link_number, UniqueFd client_fd, UniqueFd target_fd,
         FaultSchedule fault_schedule)
        : number(link_number),
          client(std::move(client_fd)),
          target(std::move(target_fd)),
          schedule(fault_schedule) {}

    [[nodiscard]] int fd(Side side) const {
        return side == Side::kClient ? client.get() : target.get();
    }
    // What `side` reads into, and what it writes from.
    Pipe& inbound(Side side) { return side == Side::kClient ? upstream : downstream; }
    Pipe& outbound(Side side) { return side == Side::kClient ? downstream : upstream; }

    std::uint64_t number;
    UniqueFd client;
    UniqueFd target;
    Pipe upstream;    // client -> target
    Pipe downstream;  // target -> client
    FaultSchedule schedule;
    bool connecting = true;  // the connect to the target has not completed yet
    bool stalled = false;
    bool closed = false;
    Clock::time_point next_change = Clock::time_point::max();  // next fault, or a stall's end
    // What epoll watches on each side; nullopt while the side is not in the epoll set.
    std::optional<std::uint32_t> client_interest;
    std::optional<std::uint32_t> target_interest;
};

core::Result<std::unique_ptr<FaultProxy>> FaultProxy::start(const FaultProxyOptions& options) {
    if (options.target_port <= 0 || options.target_port > 65535) {
        return core::Error{"the fault proxy needs a target port, got " +
                           std::to_string(options.target_port)};
    }
    UniqueFd listener(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!listener.valid()) return core::system_error(errno_text("fault proxy: socket", errno));
    sockaddr_in address = loopback_address(0);
    if (::bind(listener.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
        return core::system_error(errno_text("fault proxy: bind 127.0.0.1", errno));
    }
    if (::listen(listener.get(), SOMAXCONN) != 0) {
        return core::system_error(errno_text("fault proxy: listen", errno));
    }
    socklen_t length = sizeof address;
    if (::getsockname(listener.get(), reinterpret_cast<sockaddr*>(&address), &length) != 0) {
        return core::system_error(errno_text("fault proxy: getsockname", errno));
    }
    const int port = ntohs(address.sin_port);

    UniqueFd epoll(::epoll_create1(EPOLL_CLOEXEC));
    if (!epoll.valid()) return core::system_error(errno_text("fault proxy: epoll_create1", errno));
    UniqueFd stop(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
    if (!stop.valid()) return core::system_error(errno_text("fault proxy: eventfd", errno));
    const std::array<std::pair<int, std::uint64_t>, 2> watched{
        {{listener.get(), kListenerTag}, {stop.get(), kStopTag}}};
    for (const auto& [fd, tag] : watched) {
        epoll_event event{};
        event.events = EPOLLIN;
        event.data.u64 = tag;
        if (::epoll_ctl(epoll.get(), EPOLL_CTL_ADD, fd, &event) != 0) {
            return core::system_error(errno_text("fault proxy: epoll_ctl(ADD)", errno));
        }
    }

    std::unique_ptr<FaultProxy> proxy(
        new FaultProxy(options, std::move(listener), port, std::move(epoll), std::move(stop)));
    try {
        proxy->thread_ = std::thread([raw = proxy.get()] { raw->run(); });
    } catch (const std::system_error& error) {
        return core::system_error(std::string("fault proxy: cannot start its thread: ") +
                                  error.what());
    }
    return proxy;
}

FaultProxy::FaultProxy(const FaultProxyOptions& options, UniqueFd listener, int port,
                       UniqueFd epoll, UniqueFd stop)
    : options_(options),
      listener_(std::move(listener)),
      port_(port),
      epoll_(std::move(epoll)),
      stop_(std::move(stop)) {}

FaultProxy::~FaultProxy() {
    if (thread_.joinable()) {
        const std::uint64_t one = 1;
        // An eventfd write fails only when the counter would overflow: not with one write.
        static_cast<void>(::write(stop_.get(), &one, sizeof one));
        thread_.join();
    }
}

FaultProxyCounts FaultProxy::counts() const {
    FaultProxyCounts counts;
    counts.accepted = counts_.accepted.load();
    counts.target_unreachable = counts_.target_unreachable.load();
    counts.cuts = counts_.cuts.load();
    counts.stalls = counts_.stalls.load();
    counts.stalled_now = counts_.stalled_now.load();
    counts.closed_by_peer = counts_.closed_by_peer.load();
    counts.open_now = counts_.open_now.load();
    counts.bytes_to_target = counts_.bytes_to_target.load();
    counts.bytes_from_target = counts_.bytes_from_target.load();
    return counts;
}

std::optional<std::string> FaultProxy::failure() const {
    const std::lock_guard lock(failure_mutex_);
    return failure_;
}

std::string FaultProxy::describe() const {
    const std::string seed = std::to_string(options_.seed);
    return std::string(to_string(options_.mode)) + " mode, seed " + seed +
           " (replay with CMDLINK_FAULT_SEED=" + seed + ")";
}

void FaultProxy::record_failure(std::string message) {
    const std::lock_guard lock(failure_mutex_);
    failure_ = std::move(message);
}

void FaultProxy::run() {
    std::array<epoll_event, kEventsPerWait> events{};
    // Bounded by the stop event: the destructor sends it, and every wait ends within
    // kLongestWaitMs to apply the faults due.
    while (!stopping_) {
        const int ready = ::epoll_wait(epoll_.get(), events.data(), kEventsPerWait, wait_ms());
        if (ready < 0) {
            if (errno == EINTR) continue;
            record_failure(errno_text("fault proxy: epoll_wait", errno));
            return;
        }
        for (int i = 0; i < ready; ++i) dispatch(events[i].data.u64, events[i].events);
        release_held_bytes();
        apply_due_faults();
        std::erase_if(links_, [](const auto& entry) { return entry.second->closed; });
    }
}

int FaultProxy::wait_ms() const {
    const auto now = Clock::now();
    auto wait = std::chrono::milliseconds(kLongestWaitMs);
    for (const auto& [number, link] : links_) {
        const auto next = std::min(
            {link->next_change, link->upstream.next_release(), link->downstream.next_release()});
        if (next == Clock::time_point::max()) continue;
        const auto until = std::chrono::ceil<std::chrono::milliseconds>(next - now);
        wait = std::clamp(until, std::chrono::milliseconds(0), wait);
    }
    return static_cast<int>(wait.count());
}

void FaultProxy::dispatch(std::uint64_t tag, std::uint32_t events) {
    if (tag == kStopTag) {
        stopping_ = true;
        return;
    }
    if (tag == kListenerTag) {
        accept_connections();
        return;
    }
    const auto found = links_.find(tag >> 1U);
    if (found == links_.end() || found->second->closed) return;
    on_ready(*found->second, static_cast<Side>(tag & 1U), events);
}

void FaultProxy::accept_connections() {
    for (int i = 0; i < kAcceptsPerEvent; ++i) {
        UniqueFd client(::accept4(listener_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
        if (!client.valid()) {
            // EAGAIN: none left. Anything else (a connection reset while queued, out of
            // descriptors) leaves the listener working: the client sees its connect fail.
            return;
        }
        ++counts_.accepted;
        open_link(std::move(client));
    }
}

void FaultProxy::open_link(UniqueFd client) {
    disable_nagle(client.get());
    UniqueFd target(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!target.valid()) {
        ++counts_.target_unreachable;
        return;
    }
    disable_nagle(target.get());
    const sockaddr_in address = loopback_address(options_.target_port);
    const int connected =
        ::connect(target.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address);
    if (connected != 0 && errno != EINPROGRESS) {
        ++counts_.target_unreachable;
        return;
    }
    const std::uint64_t number = next_link_number_++;
    auto link = std::make_unique<Link>(number, std::move(client), std::move(target),
                                       FaultSchedule(options_.seed, number, options_.timings));
    link->connecting = connected != 0;
    if (options_.mode != FaultMode::kPassThrough) {
        link->next_change = Clock::now() + link->schedule.next_forwarding();
    }
    ++counts_.open_now;
    Link& opened = *link;
    links_.emplace(number, std::move(link));
    update_interest(opened);
}

void FaultProxy::on_ready(Link& link, Side side, std::uint32_t events) {
    if (side == Side::kTarget && link.connecting) {
        if (finish_connect(link, events)) update_interest(link);
        return;
    }
    if ((events & (EPOLLERR | EPOLLHUP)) != 0) {
        // A reset, or both directions shut: nothing more will pass either way.
        ++counts_.closed_by_peer;
        close_link(link, false);
        return;
    }
    const Side other = side == Side::kClient ? Side::kTarget : Side::kClient;
    if ((events & EPOLLIN) != 0) {
        if (!read_side(link, side)) return;
        // Passed on at once rather than a turn later, when epoll reports the other side
        // writable; unless the target's connect is still pending.
        if (!(other == Side::kTarget && link.connecting) && !write_side(link, other)) return;
    }
    if ((events & EPOLLOUT) != 0 && !write_side(link, side)) return;
    if (link.upstream.drained_and_closed() || link.downstream.drained_and_closed()) {
        ++counts_.closed_by_peer;
        close_link(link, false);
        return;
    }
    update_interest(link);
}

bool FaultProxy::finish_connect(Link& link, std::uint32_t events) {
    int error = 0;
    socklen_t length = sizeof error;
    if (::getsockopt(link.target.get(), SOL_SOCKET, SO_ERROR, &error, &length) != 0) error = errno;
    if (error == 0 && (events & EPOLLERR) == 0) {
        link.connecting = false;
        return true;
    }
    ++counts_.target_unreachable;
    close_link(link, false);
    return false;
}

bool FaultProxy::read_side(Link& link, Side side) {
    Pipe& into = link.inbound(side);
    if (into.source_closed || link.stalled) return true;
    into.make_room();
    if (!into.has_room()) return true;
    const ssize_t count =
        ::read(link.fd(side), into.bytes.data() + into.end, into.bytes.size() - into.end);
    if (count > 0) {
        const auto now = Clock::now();
        into.arrived(static_cast<std::size_t>(count), now + options_.latency, now);
        auto& total = side == Side::kClient ? counts_.bytes_to_target : counts_.bytes_from_target;
        total += static_cast<std::uint64_t>(count);
        return true;
    }
    if (count == 0) {
        into.source_closed = true;
        return true;
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return true;
    ++counts_.closed_by_peer;
    close_link(link, false);
    return false;
}

bool FaultProxy::write_side(Link& link, Side side) {
    Pipe& from = link.outbound(side);
    if (!from.pending() || link.stalled) return true;
    const ssize_t count =
        ::send(link.fd(side), from.bytes.data() + from.begin, from.releasable, MSG_NOSIGNAL);
    if (count >= 0) {
        from.consumed(static_cast<std::size_t>(count));
        return true;
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return true;
    ++counts_.closed_by_peer;
    close_link(link, false);
    return false;
}

void FaultProxy::release_held_bytes() {
    const auto now = Clock::now();
    for (auto& [number, link] : links_) {
        if (link->closed) continue;
        const bool up = link->upstream.release(now);
        const bool down = link->downstream.release(now);
        // Until the target's connect completes, its EPOLLOUT writes what is due.
        if (link->connecting) continue;
        if (up && !write_side(*link, Side::kTarget)) continue;
        if (down && !write_side(*link, Side::kClient)) continue;
        if (link->upstream.drained_and_closed() || link->downstream.drained_and_closed()) {
            ++counts_.closed_by_peer;
            close_link(*link, false);
            continue;
        }
        if (up || down) update_interest(*link);
    }
}

void FaultProxy::apply_due_faults() {
    const auto now = Clock::now();
    for (auto& [number, link] : links_) {
        if (link->closed || link->next_change > now) continue;
        if (options_.mode == FaultMode::kCut) {
            ++counts_.cuts;
            close_link(*link, true);
            continue;
        }
        link->stalled = !link->stalled;
        if (link->stalled) {
            ++counts_.stalls;
            ++counts_.stalled_now;
            link->next_change = now + link->schedule.next_stall();
        } else {
            --counts_.stalled_now;
            link->next_change = now + link->schedule.next_forwarding();
        }
        update_interest(*link);
    }
}

void FaultProxy::update_interest(Link& link) {
    if (link.closed) return;
    // A stalled side leaves the epoll set: watched with no events, a reset peer would still
    // report EPOLLHUP on every wait, and the stall must not notice it until it ends.
    const auto wanted = [&](Side side) -> std::optional<std::uint32_t> {
        if (side == Side::kTarget && link.connecting) return EPOLLOUT;
        if (link.stalled) return std::nullopt;
        const Pipe& in = link.inbound(side);
        std::uint32_t events = 0;
        if (!in.source_closed && (in.has_room() || in.begin > 0)) events |= EPOLLIN;
        if (link.outbound(side).pending()) events |= EPOLLOUT;
        return events;
    };
    for (const Side side : {Side::kClient, Side::kTarget}) {
        auto& current = side == Side::kClient ? link.client_interest : link.target_interest;
        const auto next = wanted(side);
        if (next == current) continue;
        epoll_event event{};
        event.events = next.value_or(0);
        event.data.u64 = (link.number << 1U) | static_cast<std::uint64_t>(side);
        const int operation = !next ? EPOLL_CTL_DEL : current ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
        if (::epoll_ctl(epoll_.get(), operation, link.fd(side), &event) != 0) {
            record_failure(errno_text("fault proxy: epoll_ctl", errno));
            close_link(link, false);
            return;
        }
        current = next;
    }
}

void FaultProxy::close_link(Link& link, bool reset) {
    if (link.closed) return;
    link.closed = true;
    if (link.stalled) --counts_.stalled_now;
    --counts_.open_now;
    for (const Side side : {Side::kClient, Side::kTarget}) {
        if (auto& current = side == Side::kClient ? link.client_interest : link.target_interest) {
            static_cast<void>(::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, link.fd(side), nullptr));
            current.reset();
        }
        if (reset) arrange_reset(link.fd(side));
    }
    link.client.reset();
    link.target.reset();
}

std::uint64_t fault_seed_from_environment() {
    if (const char* text = std::getenv("CMDLINK_FAULT_SEED"); text != nullptr) {
        std::uint64_t seed = 0;
        const char* end = text + std::strlen(text);
        const auto [stop, error] = std::from_chars(text, end, seed);
        if (error == std::errc() && stop == end && stop != text) return seed;
    }
    std::random_device device;
    return (std::uint64_t{device()} << 32U) | device();
}

}  // namespace cmdlink::faults
