#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <vector>

#include "ledger/ledger_writer.hpp"
#include "net/event_loop.hpp"
#include "runner/server_runner.hpp"

namespace cmdlink::apps {

// Sits between the ServerRunner and its transcript: every server event becomes a ledger row
// (stamped with the wall clock here, since the core only knows the steady clock) before it
// is passed on. Watches the writer's signal so that a failing ledger stops the server.
//
// With ServerPolicy::confirm_before_announce, a new session's ID goes out only once the
// writer has committed the session's row, so every session a device hears of survives a
// SIGKILL of the server. That costs the login one commit (a write(2) to the WAL, no fsync);
// commands and replies never wait for the disk, so command-to-reply latency pays nothing.
class LedgerRecorder final : public runner::ServerObserver, private net::FdWatcher {
  public:
    LedgerRecorder(net::EventLoop& loop, ledger::LedgerWriter& writer, runner::ServerObserver& next,
                   std::function<void(std::string)> on_failure);
    ~LedgerRecorder() override;
    LedgerRecorder(const LedgerRecorder&) = delete;
    LedgerRecorder& operator=(const LedgerRecorder&) = delete;

    core::Result<bool> watch();
    // The runner whose held session IDs this recorder releases, and into which what a previous
    // run left is restored; a session that cannot be is ended in the ledger with the reason.
    void attach(runner::ServerRunner& runner, core::PreviousRun previous);

    void on_connected(const runner::ServerRunner& runner, bool first,
                      bool session_present) override;
    void on_connection_lost(const runner::ServerRunner& runner, std::string_view reason) override;
    void on_server_event(const runner::ServerRunner& runner,
                         const core::ServerEvent& event) override;
    void on_stopped(const runner::ServerRunner& runner, std::string_view reason) override;
    void on_ready(const runner::ServerRunner& runner) override;

  private:
    void on_fd_ready(bool readable, bool writable, bool failed) override;

    net::EventLoop& loop_;
    ledger::LedgerWriter& writer_;
    runner::ServerObserver& next_;
    std::function<void(std::string)> on_failure_;
    struct AwaitingCommit {
        std::uint64_t sequence;
        std::string session_id;
    };

    runner::ServerRunner* runner_ = nullptr;
    std::deque<AwaitingCommit> awaiting_commit_;
    bool watching_ = false;
    bool failed_ = false;
};

}  // namespace cmdlink::apps
