#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "live/live_state.hpp"
#include "live/snapshot_board.hpp"
#include "net/event_loop.hpp"
#include "runner/server_runner.hpp"

namespace cmdlink::live {

// Sits between the server and its observer (the transcript): passes every call on, feeds the
// LiveState on the loop, and publishes a snapshot to the board at most every
// `kPublishInterval`, and only when something a viewer sees has changed.
class LiveObserver final : public runner::ServerObserver {
  public:
    static constexpr core::Duration kPublishInterval = std::chrono::milliseconds(250);

    // `ledger_queue_depth` is read on the loop at each publish (nothing without a ledger).
    LiveObserver(net::EventLoop& loop, runner::ServerObserver& next, SnapshotBoard& board,
                 std::function<std::uint64_t()> ledger_queue_depth = {});
    ~LiveObserver() override = default;
    LiveObserver(const LiveObserver&) = delete;
    LiveObserver& operator=(const LiveObserver&) = delete;

    void set_roster(const std::vector<std::string>& user_ids);
    // Publishes now if anything changed since the last publish (a final picture on stop).
    void publish_if_changed();

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

  private:
    void changed();
    void on_tick();
    void publish();

    net::EventLoop& loop_;
    runner::ServerObserver& next_;
    SnapshotBoard& board_;
    std::function<std::uint64_t()> ledger_queue_depth_;
    LiveState state_;
    bool changed_ = true;
    std::uint64_t version_ = 0;
    std::uint64_t published_queue_depth_ = 0;
    std::int64_t published_minute_ = 0;
    net::Timer tick_;
};

}  // namespace cmdlink::live
