#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "core/latency_histogram.hpp"
#include "net/loop_waker.hpp"
#include "runner/os_random.hpp"
#include "runner/server_runner.hpp"
#include "server/server.hpp"

namespace cmdlink::apps {

// The bench's in-process server: the server assembly on its own loop and thread, so that the
// client threads and the server never share a core's queue of events.
class BenchServer final : private runner::ServerObserver {
  public:
    // `on_change` runs on the server's thread when it becomes ready or stops.
    static core::Result<std::unique_ptr<BenchServer>> create(net::MqttOptions mqtt,
                                                             core::ServerPolicy policy,
                                                             std::function<void()> on_change);
    ~BenchServer() override;
    BenchServer(const BenchServer&) = delete;
    BenchServer& operator=(const BenchServer&) = delete;

    core::Result<bool> start();
    // Thread-safe: ends the sessions in flight and disconnects.
    void stop();
    void join();

    [[nodiscard]] bool ready() const { return ready_.load(); }
    [[nodiscard]] bool stopped() const { return stopped_.load(); }
    [[nodiscard]] std::uint64_t commands() const { return commands_.load(); }

    // After join():
    [[nodiscard]] const core::LatencyHistogram& reply_latency() const { return reply_latency_; }
    [[nodiscard]] const core::IssuerCounts& counts() const { return server_->issuer().counts(); }
    [[nodiscard]] double cpu_s() const { return cpu_s_; }
    [[nodiscard]] const std::string& stop_reason() const { return stop_reason_; }

  private:
    BenchServer(std::unique_ptr<net::EventLoop> loop, std::function<void()> on_change);

    void on_connected(const runner::ServerRunner& runner, bool first,
                      bool session_present) override;
    void on_connection_lost(const runner::ServerRunner& runner, std::string_view reason) override;
    void on_server_event(const runner::ServerRunner& runner,
                         const core::ServerEvent& event) override;
    void on_stopped(const runner::ServerRunner& runner, std::string_view reason) override;
    void on_ready(const runner::ServerRunner& runner) override;

    std::unique_ptr<net::EventLoop> loop_;
    std::function<void()> on_change_;
    runner::OsRandom random_;
    std::unique_ptr<server::Server> server_;
    std::unique_ptr<net::LoopWaker> stop_waker_;
    std::thread thread_;
    std::atomic<bool> ready_{false};
    std::atomic<bool> stopped_{false};
    std::atomic<std::uint64_t> commands_{0};
    core::LatencyHistogram reply_latency_;
    double cpu_s_ = 0;
    std::string stop_reason_;
};

}  // namespace cmdlink::apps
