#include "runner/server_runner.hpp"

#include <utility>

#include "core/protocol.hpp"
#include "isolation/session_grant.hpp"

namespace cmdlink::runner {

core::Result<std::unique_ptr<ServerRunner>> ServerRunner::create(net::EventLoop& loop,
                                                                 net::MqttOptions mqtt,
                                                                 core::ServerPolicy policy,
                                                                 core::RandomSource& random,
                                                                 ServerObserver& observer) {
    auto issuer = core::Issuer::create(std::move(policy), random);
    if (!issuer) return core::Error{issuer.error()};
    std::unique_ptr<ServerRunner> runner(
        new ServerRunner(loop, std::move(issuer.value()), observer));
    auto connection = net::MqttConnection::create(loop, std::move(mqtt), *runner);
    if (!connection) return core::Error{connection.error()};
    runner->connection_ = std::move(connection.value());
    return runner;
}

ServerRunner::ServerRunner(net::EventLoop& loop, core::Issuer issuer, ServerObserver& observer)
    : loop_(loop),
      issuer_(std::move(issuer)),
      observer_(observer),
      deadline_(loop, [this] { on_deadline(); }) {}

core::Result<bool> ServerRunner::start() {
    return connection_->connect();
}

void ServerRunner::stop() {
    if (stop_reason_.empty()) stop_reason_ = "stopped";
    issuer_.interrupt_all(loop_.now(), *this);
    deadline_.cancel();
    connection_->disconnect();
}

void ServerRunner::drain() {
    if (stop_reason_.empty()) stop_reason_ = "drained";
    issuer_.drain(*this);
    disconnect_once_drained();
}

void ServerRunner::disconnect_once_drained() {
    if (!issuer_.drained()) return;
    deadline_.cancel();
    // Waits for our last publishes (the final `Well done`) to be acknowledged, then closes;
    // on_closed() follows, through the same path as every other stop.
    connection_->disconnect();
}

bool ServerRunner::confirm_recorded(std::string_view session_id) {
    const bool announced = issuer_.confirm_recorded(session_id, loop_.now(), *this);
    if (announced) deadline_.arm(issuer_.next_deadline());
    return announced;
}

void ServerRunner::restore_on_connect(core::PreviousRun previous, RestoreFailed on_failed) {
    to_restore_ = std::move(previous);
    on_restore_failed_ = std::move(on_failed);
}

void ServerRunner::subscribe(std::string_view topic, int qos) {
    ++subscriptions_made_;
    connection_->subscribe(topic, qos);
}

void ServerRunner::unsubscribe(std::string_view topic) {
    connection_->unsubscribe(topic);
}

void ServerRunner::publish(std::string_view topic, std::string_view payload, int qos) {
    connection_->publish(topic, payload, qos);
}

void ServerRunner::disconnect() {
    connection_->disconnect();
}

void ServerRunner::record(const core::ServerEvent& event) {
    // The Issuer records a new session before it publishes its ID, and the broker handles
    // this connection's publishes in order, so the grant is in force before the student
    // can learn the ID. A repeated ID was granted already.
    const auto* issued = std::get_if<core::server_event::SessionIssued>(&event);
    if (grant_sessions_ && issued != nullptr && !issued->repeated) {
        connection_->publish(isolation::kGrantTopic,
                             isolation::session_grant_command(issued->user_id, issued->session_id),
                             1);
    }
    observer_.on_server_event(*this, event);
}

void ServerRunner::on_connected(bool session_present) {
    const bool first = !ever_connected_;
    ever_connected_ = true;
    observer_.on_connected(*this, first, session_present);
    const core::PreviousRun previous = std::exchange(to_restore_, {});
    for (const core::EndedSession& ended : previous.recently_ended) {
        issuer_.remember_ended(ended, loop_.now());
    }
    for (const core::RestoredSession& session : previous.in_flight) {
        auto restored = issuer_.restore(session, loop_.now(), *this);
        if (!restored && on_restore_failed_) on_restore_failed_(session, restored.error());
    }
    deadline_.arm(issuer_.next_deadline());
    // Subscribing again is harmless when the broker kept our session, and needed when not.
    subscriptions_acked_ = 0;
    subscriptions_made_ = 0;
    issuer_.start(*this);
    start_subscriptions_ = subscriptions_made_;
    // After the Issuer's two subscriptions, which ready() counts.
    if (grant_sessions_) connection_->subscribe(isolation::kGrantResponseTopic, 1);
}

void ServerRunner::on_refused(std::string reason) {
    stop_reason_ = std::move(reason);
    connection_->disconnect();
}

void ServerRunner::on_connection_lost(std::string reason) {
    if (!ever_connected_) {
        stop_reason_ = std::move(reason);
        connection_->disconnect();
        return;
    }
    observer_.on_connection_lost(*this, reason);
}

void ServerRunner::on_message(std::string_view topic, std::string_view payload, int qos,
                              bool retained) {
    if (grant_sessions_ && topic == isolation::kGrantResponseTopic) {
        // Not a protocol message: reported like one the server ignores, so it shows.
        for (const std::string& failure : isolation::grant_failures(payload)) {
            observer_.on_server_event(*this, core::server_event::MessageIgnored{topic, failure});
        }
        return;
    }
    issuer_.on_message(topic, payload, qos, loop_.now(), *this, retained);
    deadline_.arm(issuer_.next_deadline());
    disconnect_once_drained();
}

void ServerRunner::on_subscribed(std::string_view /*topic*/, int /*granted_qos*/) {
    const bool was_ready = ready();
    ++subscriptions_acked_;
    if (!was_ready && ready()) observer_.on_ready(*this);
}

void ServerRunner::on_closed() {
    deadline_.cancel();
    stopped_ = true;
    observer_.on_stopped(*this, stop_reason_.empty() ? "the connection closed" : stop_reason_);
}

void ServerRunner::on_deadline() {
    issuer_.on_timer(loop_.now(), *this);
    deadline_.arm(issuer_.next_deadline());
    disconnect_once_drained();
}

}  // namespace cmdlink::runner
