#include "apps/ledger_recorder.hpp"

#include <utility>

namespace cmdlink::apps {

LedgerRecorder::LedgerRecorder(net::EventLoop& loop, ledger::LedgerWriter& writer,
                               runner::ServerObserver& next,
                               std::function<void(std::string)> on_failure)
    : loop_(loop), writer_(writer), next_(next), on_failure_(std::move(on_failure)) {}

LedgerRecorder::~LedgerRecorder() {
    if (watching_) loop_.unwatch(writer_.signal_fd());
}

core::Result<bool> LedgerRecorder::watch() {
    auto watched = loop_.watch(writer_.signal_fd(), false, *this);
    watching_ = watched.ok();
    return watched;
}

void LedgerRecorder::attach(runner::ServerRunner& runner, core::PreviousRun previous) {
    runner_ = &runner;
    runner.restore_on_connect(
        std::move(previous), [this](const core::RestoredSession& session, const std::string& why) {
            const auto commands = static_cast<std::uint32_t>(session.sent.size());
            writer_.record(
                ledger::row::SessionEnded{session.session_id, core::SessionOutcome::kFailed,
                                          "could not be restored after a server restart: " + why,
                                          commands, 0, 0, 0, 0, ledger::wall_micros_now()});
        });
}

void LedgerRecorder::on_connected(const runner::ServerRunner& runner, bool first,
                                  bool session_present) {
    next_.on_connected(runner, first, session_present);
}

void LedgerRecorder::on_connection_lost(const runner::ServerRunner& runner,
                                        std::string_view reason) {
    next_.on_connection_lost(runner, reason);
}

void LedgerRecorder::on_server_event(const runner::ServerRunner& runner,
                                     const core::ServerEvent& event) {
    const ledger::WallMicros now = ledger::wall_micros_now();
    if (auto row = ledger::to_row(event, now)) {
        const auto* issued_row = std::get_if<ledger::row::SessionIssued>(&*row);
        const bool issued = issued_row != nullptr;
        std::string session_id = issued ? issued_row->session_id : std::string();
        const std::uint64_t sequence = writer_.record(std::move(*row));
        if (!issued) {
            // Nothing to announce.
        } else if (runner.issuer().policy().confirm_before_announce) {
            awaiting_commit_.push_back({sequence, std::move(session_id)});
        } else {
            // The Issuer published the ID in the same call that issued the session.
            writer_.record(ledger::row::SessionIdSent{std::move(session_id), now});
        }
    }
    next_.on_server_event(runner, event);
}

void LedgerRecorder::on_ready(const runner::ServerRunner& runner) {
    next_.on_ready(runner);
}

void LedgerRecorder::on_stopped(const runner::ServerRunner& runner, std::string_view reason) {
    next_.on_stopped(runner, reason);
}

void LedgerRecorder::on_fd_ready(bool /*readable*/, bool /*writable*/, bool /*failed*/) {
    writer_.read_signal();
    if (failed_) return;
    const std::uint64_t committed = writer_.committed();
    while (!awaiting_commit_.empty() && awaiting_commit_.front().sequence <= committed) {
        const std::string session_id = std::move(awaiting_commit_.front().session_id);
        awaiting_commit_.pop_front();
        if (runner_ != nullptr && runner_->confirm_recorded(session_id)) {
            writer_.record(ledger::row::SessionIdSent{session_id, ledger::wall_micros_now()});
        }
    }
    if (auto why = writer_.failure()) {
        failed_ = true;
        on_failure_(*why);
    }
}

}  // namespace cmdlink::apps
