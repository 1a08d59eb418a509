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
        const bool issued = std::holds_alternative<ledger::row::SessionIssued>(*row);
        std::string session_id;
        if (issued) session_id = std::get<ledger::row::SessionIssued>(*row).session_id;
        writer_.record(std::move(*row));
        // The Issuer publishes the session ID in the same call that issues it.
        if (issued) writer_.record(ledger::row::SessionIdSent{std::move(session_id), now});
    }
    next_.on_server_event(runner, event);
}

void LedgerRecorder::on_stopped(const runner::ServerRunner& runner, std::string_view reason) {
    next_.on_stopped(runner, reason);
}

void LedgerRecorder::on_fd_ready(bool /*readable*/, bool /*writable*/, bool /*failed*/) {
    writer_.read_signal();
    if (failed_) return;
    if (auto why = writer_.failure()) {
        failed_ = true;
        on_failure_(*why);
    }
}

}  // namespace cmdlink::apps
