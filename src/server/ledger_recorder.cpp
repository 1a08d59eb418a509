#include "server/ledger_recorder.hpp"

#include <utility>

namespace cmdlink::server {

LedgerRecorder::LedgerRecorder(net::EventLoop& loop, ledger::LedgerWriter& writer,
                               OnCommitted on_committed, OnFailure on_failure)
    : loop_(loop),
      writer_(writer),
      on_committed_(std::move(on_committed)),
      on_failure_(std::move(on_failure)) {}

LedgerRecorder::~LedgerRecorder() {
    if (watching_) loop_.unwatch(writer_.signal_fd());
}

core::Result<bool> LedgerRecorder::watch() {
    auto watched = loop_.watch(writer_.signal_fd(), false, *this);
    watching_ = watched.ok();
    return watched;
}

void LedgerRecorder::keep(ledger::LedgerRow row) {
    last_recorded_ = writer_.record(std::move(row));
}

void LedgerRecorder::record(const core::ServerEvent& event) {
    if (auto row = ledger::to_row(event, ledger::wall_micros_now())) keep(std::move(*row));
}

void LedgerRecorder::record_end_delivered(const std::string& session_id) {
    keep(ledger::row::EndDelivered{session_id, ledger::wall_micros_now()});
}

void LedgerRecorder::record_unrestorable(const core::RestoredSession& session,
                                         const std::string& why) {
    const auto commands = static_cast<std::uint32_t>(session.sent.size());
    keep(ledger::row::SessionEnded{session.session_id, core::SessionOutcome::kFailed,
                                   "could not be restored after a server restart: " + why, commands,
                                   0, 0, 0, 0, ledger::wall_micros_now()});
}

bool LedgerRecorder::open() const {
    return !failed_ && writer_.committed() >= last_recorded_;
}

void LedgerRecorder::on_fd_ready(bool /*readable*/, bool /*writable*/, bool /*failed*/) {
    writer_.read_signal();
    if (failed_) return;
    if (auto why = writer_.failure()) {
        failed_ = true;
        on_failure_(*why);
        return;
    }
    on_committed_();
}

}  // namespace cmdlink::server
