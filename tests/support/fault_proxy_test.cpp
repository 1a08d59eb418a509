// The fault proxy itself, against plain sockets of the test's own: it forwards every byte
// in both directions, it cuts, it stalls without closing, and it says when its target is gone.
#include "fault_proxy.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <functional>
#include <string>
#include <thread>
#include <vector>

namespace cmdlink::faults {
namespace {

using namespace std::chrono_literals;
using os::UniqueFd;

// Bounds every wait below: a broken proxy fails the test instead of hanging it.
constexpr auto kWaitLimit = 10s;

sockaddr_in loopback(int port) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return address;
}

// A listening socket standing in for the broker.
class Target {
  public:
    Target() : fd_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
        sockaddr_in address = loopback(0);
        socklen_t length = sizeof address;
        if (!fd_.valid() ||
            ::bind(fd_.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0 ||
            ::listen(fd_.get(), 16) != 0 ||
            ::getsockname(fd_.get(), reinterpret_cast<sockaddr*>(&address), &length) != 0) {
            ADD_FAILURE() << "cannot listen on 127.0.0.1: " << std::strerror(errno);
            return;
        }
        port_ = ntohs(address.sin_port);
    }
    [[nodiscard]] int port() const { return port_; }
    // The next connection the proxy opens to us, or an invalid descriptor after kWaitLimit.
    UniqueFd accept_one() {
        pollfd ready{fd_.get(), POLLIN, 0};
        if (::poll(&ready, 1, static_cast<int>(std::chrono::milliseconds(kWaitLimit).count())) !=
            1) {
            return {};
        }
        return UniqueFd(::accept4(fd_.get(), nullptr, nullptr, SOCK_CLOEXEC));
    }

  private:
    UniqueFd fd_;
    int port_ = 0;
};

UniqueFd connect_to(int port) {
    UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    const sockaddr_in address = loopback(port);
    if (!fd.valid() ||
        ::connect(fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
        ADD_FAILURE() << "cannot connect to 127.0.0.1:" << port << ": " << std::strerror(errno);
        return {};
    }
    return fd;
}

bool send_all(int fd, const std::string& bytes) {
    std::size_t sent = 0;
    while (sent < bytes.size()) {
        const ssize_t count = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
        if (count <= 0) return false;
        sent += static_cast<std::size_t>(count);
    }
    return true;
}

// Whether `fd` becomes readable (data, end of stream or an error) within `limit`.
bool readable_within(int fd, std::chrono::milliseconds limit) {
    pollfd ready{fd, POLLIN, 0};
    return ::poll(&ready, 1, static_cast<int>(limit.count())) == 1;
}

// Exactly `size` bytes from `fd`, or fewer if it closed, failed or stayed silent kWaitLimit.
std::string receive(int fd, std::size_t size) {
    std::string received;
    std::vector<char> chunk(std::size_t{64} * 1024);
    while (received.size() < size && readable_within(fd, kWaitLimit)) {
        const ssize_t count =
            ::recv(fd, chunk.data(), std::min(chunk.size(), size - received.size()), 0);
        if (count <= 0) break;
        received.append(chunk.data(), static_cast<std::size_t>(count));
    }
    return received;
}

// True once the peer has closed or reset `fd`: a read returns end of stream or an error.
bool closed_by_peer(int fd) {
    char byte = 0;
    for (int reads = 0; reads < 1000 && readable_within(fd, kWaitLimit); ++reads) {
        const ssize_t count = ::recv(fd, &byte, 1, 0);
        if (count <= 0) return true;
    }
    return false;
}

bool wait_until(const std::function<bool()>& condition) {
    const auto deadline = std::chrono::steady_clock::now() + kWaitLimit;
    while (!condition()) {
        if (std::chrono::steady_clock::now() >= deadline) return false;
        std::this_thread::sleep_for(5ms);
    }
    return true;
}

std::string pattern(std::size_t size, char salt) {
    std::string bytes(size, '\0');
    for (std::size_t i = 0; i < size; ++i) bytes[i] = static_cast<char>((i * 131 + salt) % 251);
    return bytes;
}

std::unique_ptr<FaultProxy> start_proxy(const FaultProxyOptions& options) {
    auto started = FaultProxy::start(options);
    if (!started) {
        ADD_FAILURE() << started.error();
        return nullptr;
    }
    return std::move(started.value());
}

// Sends `bytes` from one end on a thread of its own (the proxy buffers only part of it) while
// the other end reads them; returns what arrived.
std::string pass_through(int from, int to, const std::string& bytes) {
    bool sent = false;
    std::thread sender([&] { sent = send_all(from, bytes); });
    std::string received = receive(to, bytes.size());
    sender.join();
    EXPECT_TRUE(sent);
    return received;
}

TEST(FaultProxy, ForwardsEveryByteInBothDirectionsUnchanged) {
    Target target;
    const auto proxy = start_proxy(
        {.target_port = target.port(), .mode = FaultMode::kPassThrough, .seed = 1, .timings = {}});
    ASSERT_NE(proxy, nullptr);
    const UniqueFd client = connect_to(proxy->port());
    const UniqueFd server = target.accept_one();
    ASSERT_TRUE(client.valid() && server.valid());

    // Far beyond the proxy's own buffers, so that back-pressure is exercised too.
    const std::string upstream = pattern(std::size_t{3} * 1024 * 1024, 'u');
    const std::string downstream = pattern(std::size_t{2} * 1024 * 1024 + 17, 'd');
    EXPECT_TRUE(pass_through(client.get(), server.get(), upstream) == upstream);
    EXPECT_TRUE(pass_through(server.get(), client.get(), downstream) == downstream);

    const FaultProxyCounts counts = proxy->counts();
    EXPECT_EQ(counts.accepted, 1U);
    EXPECT_EQ(counts.bytes_to_target, upstream.size());
    EXPECT_EQ(counts.bytes_from_target, downstream.size());
    EXPECT_EQ(counts.cuts, 0U);
    EXPECT_EQ(counts.stalls, 0U);
    EXPECT_EQ(proxy->failure(), std::nullopt);
}

TEST(FaultProxy, WithALatencyStillForwardsEveryByteInOrder) {
    Target target;
    const auto proxy = start_proxy({.target_port = target.port(),
                                    .mode = FaultMode::kPassThrough,
                                    .seed = 1,
                                    .timings = {},
                                    .latency = 20ms});
    ASSERT_NE(proxy, nullptr);
    const UniqueFd client = connect_to(proxy->port());
    const UniqueFd server = target.accept_one();
    ASSERT_TRUE(client.valid() && server.valid());
    const std::string upstream = pattern(std::size_t{1024} * 1024, 'l');
    const std::string downstream = pattern(std::size_t{512} * 1024 + 3, 'm');
    EXPECT_TRUE(pass_through(client.get(), server.get(), upstream) == upstream);
    EXPECT_TRUE(pass_through(server.get(), client.get(), downstream) == downstream);
    // Small exchanges too, one after another, as MQTT makes them.
    for (int i = 0; i < 5; ++i) {
        EXPECT_EQ(pass_through(client.get(), server.get(), "ping"), "ping");
        EXPECT_EQ(pass_through(server.get(), client.get(), "pong"), "pong");
    }
    EXPECT_EQ(proxy->failure(), std::nullopt);
}

TEST(FaultProxy, PassesOnAnOrderlyCloseFromEitherSide) {
    Target target;
    const auto proxy = start_proxy(
        {.target_port = target.port(), .mode = FaultMode::kPassThrough, .seed = 1, .timings = {}});
    ASSERT_NE(proxy, nullptr);
    for (const bool client_closes : {true, false}) {
        UniqueFd client = connect_to(proxy->port());
        UniqueFd server = target.accept_one();
        ASSERT_TRUE(client.valid() && server.valid());
        // The last bytes before the close still arrive.
        UniqueFd& closer = client_closes ? client : server;
        const UniqueFd& other = client_closes ? server : client;
        ASSERT_TRUE(send_all(closer.get(), "last words"));
        closer.reset();
        EXPECT_EQ(receive(other.get(), 10), "last words");
        EXPECT_TRUE(closed_by_peer(other.get()));
    }
    EXPECT_TRUE(wait_until([&] { return proxy->counts().open_now == 0; }));
    EXPECT_EQ(proxy->counts().closed_by_peer, 2U);
}

TEST(FaultProxy, CutModeResetsEveryConnectionAndKeepsAcceptingNewOnes) {
    Target target;
    const auto proxy = start_proxy({.target_port = target.port(),
                                    .mode = FaultMode::kCut,
                                    .seed = 7,
                                    .timings = {.forward_min = 500ms, .forward_max = 1000ms}});
    ASSERT_NE(proxy, nullptr);
    for (std::uint64_t connection = 1; connection <= 3; ++connection) {
        const UniqueFd client = connect_to(proxy->port());
        const UniqueFd server = target.accept_one();
        ASSERT_TRUE(client.valid() && server.valid());
        // It forwards until the cut...
        EXPECT_EQ(pass_through(client.get(), server.get(), "before the cut"), "before the cut");
        // ...and then both ends see the connection die, neither having closed it.
        EXPECT_TRUE(closed_by_peer(client.get())) << "connection " << connection;
        EXPECT_TRUE(closed_by_peer(server.get())) << "connection " << connection;
        EXPECT_EQ(proxy->counts().cuts, connection);
    }
    EXPECT_EQ(proxy->counts().accepted, 3U);
    EXPECT_EQ(proxy->counts().closed_by_peer, 0U);
    EXPECT_EQ(proxy->failure(), std::nullopt);
}

TEST(FaultProxy, StallModeHoldsBothDirectionsWithoutClosingThenDeliversEverything) {
    Target target;
    // One long stall soon after the connection opens: the checks below fall inside it.
    const auto proxy = start_proxy(
        {.target_port = target.port(),
         .mode = FaultMode::kStall,
         .seed = 11,
         .timings = {
             .forward_min = 50ms, .forward_max = 50ms, .stall_min = 3000ms, .stall_max = 3000ms}});
    ASSERT_NE(proxy, nullptr);
    const UniqueFd client = connect_to(proxy->port());
    const UniqueFd server = target.accept_one();
    ASSERT_TRUE(client.valid() && server.valid());
    ASSERT_TRUE(wait_until([&] { return proxy->counts().stalled_now == 1; }));

    ASSERT_TRUE(send_all(client.get(), "up"));
    ASSERT_TRUE(send_all(server.get(), "down"));
    const bool up_arrived = readable_within(server.get(), 300ms);
    const bool down_arrived = readable_within(client.get(), 300ms);
    // Only conclusive if the stall outlasted the look: it is ten times longer.
    ASSERT_EQ(proxy->counts().stalled_now, 1U) << "the stall ended while the test looked";
    EXPECT_FALSE(up_arrived) << "bytes passed a stalled connection towards the target";
    EXPECT_FALSE(down_arrived) << "bytes passed a stalled connection towards the client";

    // After the stall, the same connection delivers what was held, in both directions.
    EXPECT_EQ(receive(server.get(), 2), "up");
    EXPECT_EQ(receive(client.get(), 4), "down");
    const FaultProxyCounts counts = proxy->counts();
    EXPECT_GE(counts.stalls, 1U);
    EXPECT_EQ(counts.cuts, 0U);
    EXPECT_EQ(counts.closed_by_peer, 0U);
    EXPECT_EQ(counts.open_now, 1U);
}

TEST(FaultProxy, ClosesTheClientWhenTheTargetIsUnreachable) {
    int closed_port = 0;
    {
        Target gone;
        closed_port = gone.port();
    }
    const auto proxy = start_proxy(
        {.target_port = closed_port, .mode = FaultMode::kPassThrough, .seed = 1, .timings = {}});
    ASSERT_NE(proxy, nullptr);
    const UniqueFd client = connect_to(proxy->port());
    ASSERT_TRUE(client.valid());
    EXPECT_TRUE(closed_by_peer(client.get()));
    EXPECT_EQ(proxy->counts().target_unreachable, 1U);
}

TEST(FaultSchedule, OneSeedAndConnectionNumberAlwaysGiveTheSameTimes) {
    FaultSchedule first(42, 3, {});
    FaultSchedule again(42, 3, {});
    for (int i = 0; i < 20; ++i) {
        EXPECT_EQ(first.next_forwarding(), again.next_forwarding());
        EXPECT_EQ(first.next_stall(), again.next_stall());
    }
}

TEST(FaultSchedule, ConnectionsOfOneSeedGetDifferentTimes) {
    FaultSchedule first(42, 1, {});
    FaultSchedule second(42, 2, {});
    int differences = 0;
    for (int i = 0; i < 20; ++i) differences += first.next_forwarding() != second.next_forwarding();
    EXPECT_GT(differences, 10);
}

TEST(FaultSchedule, EveryTimeLiesWithinItsBounds) {
    const FaultTimings timings{
        .forward_min = 1000ms, .forward_max = 4000ms, .stall_min = 2000ms, .stall_max = 5000ms};
    FaultSchedule schedule(1234, 1, timings);
    std::chrono::milliseconds shortest = 1h;
    std::chrono::milliseconds longest = 0ms;
    for (int i = 0; i < 1000; ++i) {
        const auto forwarding = schedule.next_forwarding();
        const auto stall = schedule.next_stall();
        EXPECT_TRUE(forwarding >= 1000ms && forwarding <= 4000ms) << forwarding.count();
        EXPECT_TRUE(stall >= 2000ms && stall <= 5000ms) << stall.count();
        shortest = std::min(shortest, forwarding);
        longest = std::max(longest, forwarding);
    }
    // Spread over the range, not stuck at one end.
    EXPECT_LT(shortest, 1100ms);
    EXPECT_GT(longest, 3900ms);
}

}  // namespace
}  // namespace cmdlink::faults
