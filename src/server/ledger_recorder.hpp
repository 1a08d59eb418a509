#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <string>

#include "core/restored_session.hpp"
#include "core/server_events.hpp"
#include "ledger/ledger_writer.hpp"
#include "net/event_loop.hpp"

namespace cmdlink::server {

// Turns every server event into a ledger row (stamped with the wall clock here, since the
// core only knows the steady clock), and says when a new session's row is committed. Watches
// the writer's signal, so a failing ledger is reported.
//
// The commit costs a login one write(2) to the WAL, no fsync; commands and replies never wait
// for the disk, so command-to-reply latency pays nothing.
class LedgerRecorder final : private net::FdWatcher {
  public:
    using OnRecorded = std::function<void(const std::string& session_id)>;
    using OnFailure = std::function<void(const std::string& why)>;

    LedgerRecorder(net::EventLoop& loop, ledger::LedgerWriter& writer, OnRecorded on_recorded,
                   OnFailure on_failure);
    ~LedgerRecorder() override;
    LedgerRecorder(const LedgerRecorder&) = delete;
    LedgerRecorder& operator=(const LedgerRecorder&) = delete;

    core::Result<bool> watch();
    void record(const core::ServerEvent& event);
    // A session a previous run left that cannot be put back ends in the ledger, with why.
    void record_unrestorable(const core::RestoredSession& session, const std::string& why);

  private:
    void on_fd_ready(bool readable, bool writable, bool failed) override;

    struct AwaitingCommit {
        std::uint64_t sequence;
        std::string session_id;
    };

    net::EventLoop& loop_;
    ledger::LedgerWriter& writer_;
    OnRecorded on_recorded_;
    OnFailure on_failure_;
    std::deque<AwaitingCommit> awaiting_commit_;
    bool watching_ = false;
    bool failed_ = false;
};

}  // namespace cmdlink::server
