#pragma once

#include <functional>
#include <string>

#include "apps/output/console.hpp"
#include "core/latency_histogram.hpp"
#include "runner/server_runner.hpp"

namespace cmdlink::apps {

// Turns server events into stderr lines and the --json event stream.
class ServerTranscript final : public runner::ServerObserver {
  public:
    ServerTranscript(Console& console, std::function<void(std::string_view)> on_stopped,
                     std::function<void(const core::ServerEvent&)> after_event = {});

    void on_connected(const runner::ServerRunner& runner, bool first,
                      bool session_present) override;
    void on_connection_lost(const runner::ServerRunner& runner, std::string_view reason) override;
    void on_server_event(const runner::ServerRunner& runner,
                         const core::ServerEvent& event) override;
    void on_stopped(const runner::ServerRunner& runner, std::string_view reason) override;
    void on_ready(const runner::ServerRunner& runner) override;
    void on_request_failed(const runner::ServerRunner& runner, std::string_view reason) override;
    // Called each time the server becomes ready (after every (re)connect).
    void set_on_ready(std::function<void()> on_ready) { on_ready_ = std::move(on_ready); }

  private:
    // The console's emit, as the server's side: the demo's one stream holds both sides.
    void emit(nlohmann::json event) const;

    Console& console_;
    std::function<void(std::string_view)> on_stopped_;
    std::function<void(const core::ServerEvent&)> after_event_;
    std::function<void()> on_ready_;
    core::TimePoint started_ = core::Clock::now();
    core::LatencyHistogram reply_latency_;
};

}  // namespace cmdlink::apps
