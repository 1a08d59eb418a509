#include "server/ledger_recorder.hpp"

#include <utility>

namespace cmdlink::server {

LedgerRecorder::LedgerRecorder(net::EventLoop& loop, ledger::LedgerWriter& writer,
                               OnRecorded on_recorded, OnFailure on_failure)
    : loop_(loop),
      writer_(writer),
      on_recorded_(std::move(on_recorded)),
      on_failure_(std::move(on_failure)) {}

LedgerRecorder::~LedgerRecorder() {
    if (watching_) loop_.unwatch(writer_.signal_fd());
}

core::Result<bool> LedgerRecorder::watch() {
    auto watched = loop_.watch(writer_.signal_fd(), false, *this);
    watching_ = watched.ok();
    return watched;
}

void LedgerRecorder::record(const core::ServerEvent& event) {
    auto row = ledger::to_row(event, ledger::wall_micros_now());
    if (!row) return;
    const auto* issued = std::get_if<ledger::row::SessionIssued>(&*row);
    std::string session_id = issued != nullptr ? issued->session_id : std::string();
    const std::uint64_t sequence = writer_.record(std::move(*row));
    if (!session_id.empty()) awaiting_commit_.push_back({sequence, std::move(session_id)});
}

void LedgerRecorder::record_unrestorable(const core::RestoredSession& session,
                                         const std::string& why) {
    const auto commands = static_cast<std::uint32_t>(session.sent.size());
    writer_.record(ledger::row::SessionEnded{session.session_id, core::SessionOutcome::kFailed,
                                             "could not be restored after a server restart: " + why,
                                             commands, 0, 0, 0, 0, ledger::wall_micros_now()});
}

void LedgerRecorder::on_fd_ready(bool /*readable*/, bool /*writable*/, bool /*failed*/) {
    writer_.read_signal();
    if (failed_) return;
    const std::uint64_t committed = writer_.committed();
    while (!awaiting_commit_.empty() && awaiting_commit_.front().sequence <= committed) {
        const std::string session_id = std::move(awaiting_commit_.front().session_id);
        awaiting_commit_.pop_front();
        on_recorded_(session_id);
    }
    if (auto why = writer_.failure()) {
        failed_ = true;
        on_failure_(*why);
    }
}

}  // namespace cmdlink::server
