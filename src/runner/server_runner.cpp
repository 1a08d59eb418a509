#include "runner/server_runner.hpp"

#include <cstdio>
#include <utility>

#include "core/protocol.hpp"
#include "runner/connect_timeout_message.hpp"

namespace cmdlink::runner {
namespace {

// A topic no other server uses, for the probe of a shared group (ShareProbe).
std::string probe_topic(core::RandomSource& random) {
    char nonce[17];
    std::snprintf(nonce, sizeof nonce, "%016llx",
                  static_cast<unsigned long long>(random.next_u64()));
    return std::string("cmdlink-probe/") + nonce;
}

}  // namespace

core::Result<std::unique_ptr<ServerRunner>> ServerRunner::create(net::EventLoop& loop,
                                                                 net::MqttOptions mqtt,
                                                                 core::ServerPolicy policy,
                                                                 core::RandomSource& random,
                                                                 ServerObserver& observer) {
    const bool shared = policy.login_subscription.starts_with(core::kSharedPrefix);
    std::string login_filter = policy.login_subscription;
    auto issuer = core::Issuer::create(std::move(policy), random);
    if (!issuer) return issuer.failure();
    std::unique_ptr<ServerRunner> runner(
        new ServerRunner(loop, std::move(issuer.value()), observer));
    if (shared) {
        auto link =
            LoginLink::create(loop, mqtt, std::move(login_filter), probe_topic(random), *runner);
        if (!link) return link.failure();
        runner->login_link_ = std::move(link.value());
        runner->login_link_closed_ = false;
    }
    auto connection = net::MqttConnection::create(loop, std::move(mqtt), *runner);
    if (!connection) return connection.failure();
    runner->connection_ = std::move(connection.value());
    runner->output_ = std::make_unique<EndTrackingOutput>(*runner->connection_);
    return runner;
}

ServerRunner::ServerRunner(net::EventLoop& loop, core::Issuer issuer, ServerObserver& observer)
    : loop_(loop),
      issuer_(std::move(issuer)),
      observer_(observer),
      deadline_(loop, [this] { on_deadline(); }),
      connect_deadline_(loop, [this] { on_connect_timeout(); }) {}

core::Result<bool> ServerRunner::start(core::Duration connect_timeout) {
    connect_timeout_ = connect_timeout;
    connect_deadline_.arm(loop_.now() + connect_timeout);
    return connection_->connect();
}

void ServerRunner::on_connect_timeout() {
    if (ever_connected_ || stopped_) return;
    if (stop_reason_.empty()) {
        stop_reason_ = connect_timeout_message(connection_->options(), connect_timeout_,
                                               last_connect_failure_);
    }
    connection_->disconnect();
}

void ServerRunner::stop(std::string_view reason) {
    if (stop_reason_.empty()) stop_reason_ = "stopped";
    issuer_.stop(loop_.now(), reason);
    carry_out();
}

void ServerRunner::hold_writes(const net::WriteGate& gate) {
    write_gate_ = &gate;
    connection_->set_write_gate(&gate);
}

void ServerRunner::writes_may_resume() {
    connection_->write_gate_opened();
    if (deadline_held_ && write_gate_->open()) {
        deadline_held_ = false;
        on_deadline();
    }
}

void ServerRunner::abandon(std::string_view reason) {
    stop(reason);
    connection_->abandon();
}

void ServerRunner::drain() {
    if (stop_reason_.empty()) stop_reason_ = "drained";
    issuer_.drain();
    carry_out();
}

bool ServerRunner::announce(std::string_view session_id) {
    const bool announced = issuer_.announce(session_id, loop_.now());
    carry_out();
    return announced;
}

bool ServerRunner::withdraw(std::string_view session_id, std::string reason) {
    const bool withdrawn = issuer_.withdraw(session_id, std::move(reason), loop_.now());
    carry_out();
    return withdrawn;
}

void ServerRunner::restore_on_connect(core::PreviousRun previous, RestoreFailed on_failed) {
    to_restore_ = std::move(previous);
    on_restore_failed_ = std::move(on_failed);
}

void ServerRunner::publish_aside(std::string_view topic, std::string_view payload, int qos) {
    connection_->publish(topic, payload, qos);
}

void ServerRunner::listen_aside(std::string topic, AsideHandler on_message) {
    aside_topic_ = std::move(topic);
    on_aside_ = std::move(on_message);
}

void ServerRunner::carry_out() {
    // A call further up this stack is carrying out a batch; it takes what is new before it
    // returns, in order.
    if (carrying_out_) return;
    carrying_out_ = true;
    core::MqttOutput& output = login_link_ ? static_cast<core::MqttOutput&>(routing_)
                                           : static_cast<core::MqttOutput&>(*output_);
    core::carry_out_all(issuer_.outbox(), batch_, output,
                        [this](const core::ServerEvent& event) { handle(event); });
    carrying_out_ = false;
    if (issuer_.stopped() || issuer_.drained()) {
        deadline_.cancel();
    } else {
        deadline_.arm(issuer_.next_deadline());
    }
}

void ServerRunner::handle(const core::ServerEvent& event) {
    if (std::holds_alternative<core::server_event::Ready>(event)) {
        const bool was_ready = std::exchange(ready_, true);
        // The aside subscription follows the Issuer's, which Ready counts.
        if (!aside_topic_.empty()) connection_->subscribe(aside_topic_, 1);
        observer_.on_server_event(*this, event);
        if (!was_ready) observer_.on_ready(*this);
        return;
    }
    if (const auto* refused = std::get_if<core::server_event::SubscriptionRefused>(&event)) {
        stop_reason_ = refused->reason;
    }
    observer_.on_server_event(*this, event);
}

void ServerRunner::on_connected(bool session_present) {
    const bool first = !ever_connected_;
    ever_connected_ = true;
    connect_deadline_.cancel();
    ready_ = false;
    observer_.on_connected(*this, first, session_present);
    const core::PreviousRun previous = std::exchange(to_restore_, {});
    for (const core::EndedSession& ended : previous.recently_ended) {
        issuer_.remember_ended(ended, loop_.now());
    }
    for (const core::RestoredSession& session : previous.in_flight) {
        auto restored = issuer_.restore(session, loop_.now());
        if (!restored && on_restore_failed_) on_restore_failed_(session, restored.error());
    }
    // Subscribing again is harmless when the broker kept our session, and needed when not.
    issuer_.start();
    carry_out();
}

void ServerRunner::on_refused(std::string reason) {
    stop_reason_ = std::move(reason);
    close_connections();
}

void ServerRunner::on_connection_lost(std::string reason) {
    // Before the first connection too: the broker may be restarting, or the next failover
    // broker may answer. The connect timeout decides when to give up.
    if (!ever_connected_) last_connect_failure_ = reason;
    ready_ = false;
    // Logins taken now could not be served: the other members take them meanwhile.
    if (login_link_) login_link_->leave();
    observer_.on_connection_lost(*this, reason);
}

void ServerRunner::on_message(std::string_view topic, std::string_view payload, int qos,
                              bool retained) {
    if (!aside_topic_.empty() && topic == aside_topic_) {
        if (on_aside_) on_aside_(payload);
        carry_out();
        return;
    }
    issuer_.on_message(topic, payload, qos, loop_.now(), retained);
    carry_out();
}

void ServerRunner::on_subscribed(std::string_view topic, int granted_qos) {
    if (!aside_topic_.empty() && topic == aside_topic_) {
        if (granted_qos > core::kMaxQos) {
            stop("the broker refused the server's subscription to " + std::string(topic));
        }
        return;
    }
    issuer_.on_subscribed(topic, granted_qos, loop_.now());
    carry_out();
}

void ServerRunner::on_closed() {
    connection_closed_ = true;
    // Closed from the broker's side (a refusal): the login link goes too.
    if (login_link_ && !login_link_closed_) login_link_->close();
    report_stopped_once_closed();
}

void ServerRunner::report_stopped_once_closed() {
    if (stopped_ || !connection_closed_ || !login_link_closed_) return;
    deadline_.cancel();
    connect_deadline_.cancel();
    stopped_ = true;
    observer_.on_stopped(*this, stop_reason_.empty() ? "the connection closed" : stop_reason_);
}

void ServerRunner::close_connections() {
    // The login link first: it leaves the group before the sessions' connection goes.
    if (login_link_) login_link_->close();
    connection_->disconnect();
}

void ServerRunner::Routing::subscribe(std::string_view topic, int qos) {
    if (topic == runner_.login_link_->filter()) return runner_.login_link_->join();
    runner_.connection_->subscribe(topic, qos);
}

void ServerRunner::Routing::unsubscribe(std::string_view topic) {
    if (topic == runner_.login_link_->filter()) return runner_.login_link_->leave();
    runner_.connection_->unsubscribe(topic);
}

void ServerRunner::Routing::publish(std::string_view topic, std::string_view payload, int qos) {
    runner_.output_->publish(topic, payload, qos);
}

void ServerRunner::Routing::disconnect() {
    runner_.close_connections();
}

void ServerRunner::on_login_message(std::string_view topic, std::string_view payload, int qos,
                                    bool retained) {
    issuer_.on_message(topic, payload, qos, loop_.now(), retained);
    carry_out();
}

void ServerRunner::on_login_subscribed(std::string_view filter, int granted_qos) {
    issuer_.on_subscribed(filter, granted_qos, loop_.now());
    carry_out();
}

void ServerRunner::on_login_link_refused(std::string_view reason) {
    const std::string why = "--shared-group cannot work on this broker: " + std::string(reason);
    observer_.on_shared_group_refused(*this, why);
    stop_reason_ = why;
    issuer_.stop(loop_.now(), why);
    carry_out();
    // Stopped already (its disconnect was sent before): the link closes all the same.
    close_connections();
}

void ServerRunner::on_login_link_lost(std::string_view reason) {
    observer_.on_connection_lost(*this, "login connection: " + std::string(reason));
}

void ServerRunner::on_login_link_closed() {
    login_link_closed_ = true;
    report_stopped_once_closed();
}

void ServerRunner::on_request_failed(std::string_view reason) {
    observer_.on_request_failed(*this, reason);
}

void ServerRunner::on_delivered(int message_id) {
    if (auto session_id = output_->delivered(message_id)) {
        observer_.on_end_delivered(*this, *session_id);
    }
}

void ServerRunner::on_deadline() {
    if (write_gate_ != nullptr && !write_gate_->open()) {
        deadline_held_ = true;
        return;
    }
    issuer_.on_timer(loop_.now());
    carry_out();
}

}  // namespace cmdlink::runner
