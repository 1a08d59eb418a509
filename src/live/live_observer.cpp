#include "live/live_observer.hpp"

#include <memory>

#include "live/live_json.hpp"

namespace cmdlink::live {

LiveObserver::LiveObserver(net::EventLoop& loop, runner::ServerObserver& next, SnapshotBoard& board,
                           std::function<std::uint64_t()> ledger_queue_depth)
    : loop_(loop),
      next_(next),
      board_(board),
      ledger_queue_depth_(std::move(ledger_queue_depth)),
      state_(loop.now()),
      tick_(loop, [this] { on_tick(); }) {
    publish();
    tick_.arm(loop_.now() + kPublishInterval);
}

void LiveObserver::set_roster(const std::vector<std::string>& user_ids) {
    state_.set_roster(user_ids);
    publish();
}

void LiveObserver::publish_if_changed() {
    if (changed_) publish();
}

void LiveObserver::changed() {
    changed_ = true;
}

// Polled rather than armed on each change: a server with thousands of events a second
// publishes four snapshots a second all the same, and the queue depth and the minute plot
// move without any event.
void LiveObserver::on_tick() {
    const std::uint64_t depth = ledger_queue_depth_ ? ledger_queue_depth_() : 0;
    state_.set_ledger_queue_depth(depth);
    if (changed_ || depth != published_queue_depth_ ||
        state_.minute_of(loop_.now()) != published_minute_) {
        publish();
    }
    tick_.arm(loop_.now() + kPublishInterval);
}

void LiveObserver::publish() {
    auto published = std::make_shared<Published>();
    published->snapshot = state_.snapshot(loop_.now());
    published->snapshot.version = ++version_;
    published->json = to_json(published->snapshot);
    published_queue_depth_ = published->snapshot.ledger_queue_depth;
    published_minute_ = state_.minute_of(loop_.now());
    changed_ = false;
    board_.publish(std::move(published));
}

void LiveObserver::on_connected(const runner::ServerRunner& runner, bool first,
                                bool session_present) {
    next_.on_connected(runner, first, session_present);
    state_.set_broker_state(true, "connected");
    changed();
}

void LiveObserver::on_connection_lost(const runner::ServerRunner& runner, std::string_view reason) {
    next_.on_connection_lost(runner, reason);
    state_.set_broker_state(false, "lost: " + std::string(reason));
    changed();
}

void LiveObserver::on_server_event(const runner::ServerRunner& runner,
                                   const core::ServerEvent& event) {
    next_.on_server_event(runner, event);
    state_.on_event(event, loop_.now());
    changed();
}

void LiveObserver::on_stopped(const runner::ServerRunner& runner, std::string_view reason) {
    next_.on_stopped(runner, reason);
    state_.set_broker_state(false, "stopped: " + std::string(reason));
    changed();
    publish();
}

void LiveObserver::on_ready(const runner::ServerRunner& runner) {
    next_.on_ready(runner);
    state_.set_broker_state(true, "ready");
    changed();
}

void LiveObserver::on_request_failed(const runner::ServerRunner& runner, std::string_view reason) {
    next_.on_request_failed(runner, reason);
}

void LiveObserver::on_end_delivered(const runner::ServerRunner& runner,
                                    const std::string& session_id) {
    next_.on_end_delivered(runner, session_id);
}

void LiveObserver::on_shared_group_refused(const runner::ServerRunner& runner,
                                           std::string_view reason) {
    next_.on_shared_group_refused(runner, reason);
}

}  // namespace cmdlink::live
