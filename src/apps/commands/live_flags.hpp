#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "apps/output/console.hpp"
#include "core/result.hpp"
#include "core/session_pool.hpp"
#include "live/http_view.hpp"
#include "live/live_observer.hpp"
#include "live/snapshot_board.hpp"
#include "net/event_loop.hpp"
#include "runner/server_runner.hpp"

namespace cmdlink::apps {

// `server --http [ADDR:]PORT --http-token-file FILE` (docs/live-view.md).
struct LiveFlags {
    std::string http;
    std::string token_file;
};

void add_live_flags(CLI::App& command, LiveFlags& flags);

// The live view of one running server: the observer the server reports to (it passes every
// call on to `next`) and the HTTP side, which stops (its threads joined) when this is
// destroyed, before the loop and the server's observer.
class LiveView {
  public:
    LiveView(net::EventLoop& loop, runner::ServerObserver& next,
             std::function<std::uint64_t()> ledger_queue_depth);
    ~LiveView();
    LiveView(const LiveView&) = delete;
    LiveView& operator=(const LiveView&) = delete;

    core::Status serve(const live::HttpAccess& access);
    runner::ServerObserver& observer() { return observer_; }
    live::LiveObserver& live() { return observer_; }
    [[nodiscard]] const live::HttpView& http() const { return *http_; }

  private:
    live::SnapshotBoard board_;
    live::LiveObserver observer_;
    std::unique_ptr<live::HttpView> http_;
};

// Without --http: nullptr. Otherwise the live view listening, with the students of the
// `pool` (if any) listed as never tried, and its address logged (and, with
// --json, emitted as `http_listening`); or why not.
core::Result<std::unique_ptr<LiveView>> start_live_view(
    const LiveFlags& flags, net::EventLoop& loop, runner::ServerObserver& next,
    const core::SessionPool* pool, std::function<std::uint64_t()> ledger_queue_depth,
    Console& console);

}  // namespace cmdlink::apps
