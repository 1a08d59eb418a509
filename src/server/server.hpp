#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/random_source.hpp"
#include "core/restored_session.hpp"
#include "core/session_pool.hpp"
#include "ledger/ledger_writer.hpp"
#include "net/event_loop.hpp"
#include "net/mqtt_options.hpp"
#include "runner/server_runner.hpp"
#include "server/announce_gate.hpp"
#include "server/ledger_recorder.hpp"

namespace cmdlink::server {

// Everything one issuing server is made of, as `cmdlink server`, `cmdlink demo` and
// `cmdlink bench` run it.
struct ServerSetup {
    net::MqttOptions mqtt;
    core::ServerPolicy policy;
    // Session IDs from a roster's pools (docs/isolation.md) instead of random ones.
    std::optional<core::SessionPool> pool;
    // A roster broker of `broker-config --dynamic-security`: each session's topics are granted
    // to its student through the dynamic security plugin before its ID goes out.
    bool grant_sessions = false;
    // Stops once this many sessions have ended (0: never).
    std::uint64_t stop_after = 0;
    // Where every session is recorded, or nothing (the demo and the bench keep no ledger).
    ledger::LedgerWriter* ledger = nullptr;
    // What a previous run left in the ledger, put back on the first connection.
    core::PreviousRun previous;
    // Rows waiting for the ledger's writer beyond which new sessions are refused (with a
    // reason, recorded once there is room) until it has caught up to half of it.
    std::uint64_t ledger_backlog_limit = 50'000;
};

// The server assembly: the Issuer driven over MQTT (ServerRunner), its ledger, the announce
// gate and the session grants, wired in one place. Events reach `observer` (transcripts,
// status, bench counters) after they are recorded. With a ledger, nothing is written to the
// broker before the rows recorded ahead of it are committed (LedgerRecorder is the write
// gate; docs/crash-safety.md), which also makes every session ID durable before it goes out.
class Server final : private runner::ServerObserver {
  public:
    static core::Result<std::unique_ptr<Server>> create(net::EventLoop& loop, ServerSetup setup,
                                                        core::RandomSource& random,
                                                        runner::ServerObserver& observer);
    ~Server() override;
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    // Keeps trying its first connection for up to `connect_timeout` (ServerRunner::start).
    core::Result<bool> start(core::Duration connect_timeout = runner::kServerConnectTimeout);
    // Ends the sessions in flight as interrupted and disconnects; safe from any callback.
    void stop(std::string_view reason = "the server stopped");
    // Takes no new sessions, lets those in flight end, then disconnects.
    void drain();

    [[nodiscard]] const runner::ServerRunner& runner() const { return *runner_; }
    [[nodiscard]] const core::Issuer& issuer() const { return runner_->issuer(); }
    [[nodiscard]] bool stopped() const { return runner_->stopped(); }
    [[nodiscard]] bool ever_connected() const { return runner_->ever_connected(); }
    // Why the ledger failed, which stopped the server.
    [[nodiscard]] const std::optional<std::string>& ledger_failure() const {
        return ledger_failure_;
    }
    // Why the broker refused a subscription the server needs, which stopped it.
    [[nodiscard]] const std::optional<std::string>& refusal() const { return refusal_; }
    // Why the broker cannot deliver a shared group's logins, which stopped the server.
    [[nodiscard]] const std::optional<std::string>& shared_group_refusal() const {
        return shared_group_refusal_;
    }
    // Sessions issued whose IDs wait for a confirmation.
    [[nodiscard]] std::size_t awaiting_announce() const { return gate_.waiting(); }

  private:
    Server(std::uint64_t stop_after, bool grant_sessions, runner::ServerObserver& observer);

    void on_connected(const runner::ServerRunner& runner, bool first,
                      bool session_present) override;
    void on_connection_lost(const runner::ServerRunner& runner, std::string_view reason) override;
    void on_server_event(const runner::ServerRunner& runner,
                         const core::ServerEvent& event) override;
    void on_stopped(const runner::ServerRunner& runner, std::string_view reason) override;
    void on_ready(const runner::ServerRunner& runner) override;
    void on_request_failed(const runner::ServerRunner& runner, std::string_view reason) override;
    void on_end_delivered(const runner::ServerRunner& runner,
                          const std::string& session_id) override;
    void on_shared_group_refused(const runner::ServerRunner& runner,
                                 std::string_view reason) override;

    void on_issued(const core::server_event::SessionIssued& issued);
    // Holds new logins while the ledger's backlog is over its limit, and checks again every
    // 100 ms until it is down to half, so that the writer's queue stays bounded.
    void check_ledger_backlog();
    void confirm(const std::string& session_id, Confirmation confirmation);
    void on_grant_response(std::string_view response);

    std::uint64_t stop_after_;
    bool grant_sessions_;
    runner::ServerObserver& observer_;
    AnnounceGate gate_;
    std::unique_ptr<LedgerRecorder> recorder_;
    net::EventLoop* loop_ = nullptr;
    ledger::LedgerWriter* ledger_ = nullptr;
    std::uint64_t ledger_backlog_limit_ = 0;
    std::unique_ptr<net::Timer> backlog_timer_;
    bool holding_for_ledger_ = false;
    std::unique_ptr<runner::ServerRunner> runner_;
    std::uint64_t sessions_ended_ = 0;
    std::optional<std::string> ledger_failure_;
    std::optional<std::string> refusal_;
    std::optional<std::string> shared_group_refusal_;
};

}  // namespace cmdlink::server
