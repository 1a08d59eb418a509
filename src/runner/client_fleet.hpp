#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/latency_histogram.hpp"
#include "runner/client_runner.hpp"

namespace cmdlink::runner {

// A session of its own user ID and account (a roster's student).
struct FleetAccount {
    std::string user_id;
    std::optional<std::string> username;
    std::optional<std::string> password;
};

// Which sessions one fleet runs, and how fast it opens them.
struct FleetPlan {
    net::MqttOptions mqtt;       // client_id is set per session
    core::ClientOptions client;  // user_id is set per session
    std::string user_id_prefix;  // session i logs in as <prefix><i>
    std::size_t first_index = 0;
    std::size_t sessions = 0;
    std::size_t concurrency = 0;  // sessions in flight at once; 0: all of them
    double ramp_per_s = 0;        // new sessions per second; 0: as fast as admitted
    core::Duration connect_timeout = std::chrono::seconds(10);
    // When given, session i logs in as accounts[first_index + i] with its credentials instead
    // of <prefix><i> with those of `mqtt`.
    std::vector<FleetAccount> accounts;
    // Sees every session's connection and events after the fleet does (a transcript).
    ClientObserver* watcher = nullptr;
};

// Counters other threads may read while the fleet runs (for a once-a-second status line).
struct FleetProgress {
    std::atomic<std::uint64_t> started{0};
    std::atomic<std::uint64_t> connected{0};
    std::atomic<std::uint64_t> active{0};
    std::atomic<std::uint64_t> peak_active{0};
    std::atomic<std::uint64_t> passed{0};
    std::atomic<std::uint64_t> failed{0};
    std::atomic<std::uint64_t> replies{0};
};

// What a fleet measured; read it on the fleet's thread, or after that thread has ended.
struct FleetResult {
    core::LatencyHistogram connect_latency;           // connect() to CONNACK
    core::LatencyHistogram login_to_session_latency;  // login published to session ID received
    std::map<std::string, std::uint64_t> failures;    // ClientEnd name -> sessions
    core::TimePoint first_started = core::kNever;
    core::TimePoint last_connected = core::kNever;
    core::TimePoint last_finished = core::kNever;
};

// Many client sessions on one loop, opened at a bounded rate and concurrency, each torn
// down as soon as it ends so that memory follows the sessions in flight, not the total.
class ClientFleet final : private ClientObserver {
  public:
    ClientFleet(net::EventLoop& loop, FleetPlan plan, FleetProgress& progress,
                std::function<void()> on_done);
    ~ClientFleet() override;
    ClientFleet(const ClientFleet&) = delete;
    ClientFleet& operator=(const ClientFleet&) = delete;

    void start();
    // Ends the sessions in flight as interrupted and opens no more.
    void interrupt();

    [[nodiscard]] bool done() const { return finished_ == plan_.sessions; }
    [[nodiscard]] const FleetResult& result() const { return result_; }

  private:
    void admit();
    void open_next();
    void fail_unopened(const std::string& reason);
    void finish(const ClientRunner& runner, ClientEnd end);

    void on_connected(const ClientRunner& runner, bool first, bool session_present) override;
    void on_connection_lost(const ClientRunner& runner, std::string_view reason) override;
    void on_session_event(const ClientRunner& runner, const core::ClientEvent& event) override;
    void on_finished(const ClientRunner& runner) override;
    void on_request_failed(const ClientRunner& runner, std::string_view reason) override;

    net::EventLoop& loop_;
    FleetPlan plan_;
    FleetProgress& progress_;
    std::function<void()> on_done_;
    std::unordered_map<const ClientRunner*, std::unique_ptr<ClientRunner>> running_;
    net::Timer admit_timer_;
    std::size_t next_ = 0;
    std::size_t finished_ = 0;
    core::TimePoint next_open_at_ = core::kNever;
    bool interrupted_ = false;
    FleetResult result_;
};

}  // namespace cmdlink::runner
