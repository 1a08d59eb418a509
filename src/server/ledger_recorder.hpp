#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "core/restored_session.hpp"
#include "core/server_events.hpp"
#include "ledger/ledger_writer.hpp"
#include "net/event_loop.hpp"
#include "net/mqtt_connection.hpp"

namespace cmdlink::server {

// Turns every server event into a ledger row (stamped with the wall clock here, since the
// core only knows the steady clock), and is the server's write gate: nothing it has queued
// for the broker is written while a row recorded before it is not yet committed. So an
// acknowledgement never tells the broker to forget a login or reply the ledger could still
// lose, and no command or end reaches a device unless the ledger holds it
// (docs/crash-safety.md). Watches the writer's signal, so a failing ledger is reported.
//
// A commit is one write(2) to the WAL, no fsync, shared by every row of its batch.
class LedgerRecorder final : public net::WriteGate, private net::FdWatcher {
  public:
    // `on_committed`: the gate may have opened. `on_failure`: it never opens again.
    using OnCommitted = std::function<void()>;
    using OnFailure = std::function<void(const std::string& why)>;

    LedgerRecorder(net::EventLoop& loop, ledger::LedgerWriter& writer, OnCommitted on_committed,
                   OnFailure on_failure);
    ~LedgerRecorder() override;
    LedgerRecorder(const LedgerRecorder&) = delete;
    LedgerRecorder& operator=(const LedgerRecorder&) = delete;

    core::Result<bool> watch();
    void record(const core::ServerEvent& event);
    // The broker acknowledged the `Well done my IoT!` of `session_id`.
    void record_end_delivered(const std::string& session_id);
    // A session a previous run left that cannot be put back ends in the ledger, with why.
    void record_unrestorable(const core::RestoredSession& session, const std::string& why);

    // Every row recorded so far is committed.
    [[nodiscard]] bool open() const override;

  private:
    void on_fd_ready(bool readable, bool writable, bool failed) override;
    void keep(ledger::LedgerRow row);

    net::EventLoop& loop_;
    ledger::LedgerWriter& writer_;
    OnCommitted on_committed_;
    OnFailure on_failure_;
    std::uint64_t last_recorded_ = 0;
    bool watching_ = false;
    bool failed_ = false;
};

}  // namespace cmdlink::server
