#include "runner/login_link.hpp"

#include <utility>

#include "core/protocol.hpp"

namespace cmdlink::runner {

core::Result<std::unique_ptr<LoginLink>> LoginLink::create(net::EventLoop& loop,
                                                           const net::MqttOptions& mqtt,
                                                           std::string filter,
                                                           std::string probe_topic,
                                                           LoginLinkOwner& owner) {
    if (!filter.starts_with(core::kSharedPrefix)) {
        return core::Error{"not a shared subscription: " + filter};
    }
    const std::string_view rest = std::string_view(filter).substr(core::kSharedPrefix.size());
    std::string group(rest.substr(0, rest.find('/')));
    std::unique_ptr<LoginLink> link(new LoginLink(std::move(filter), owner));
    LoginLink* raw = link.get();
    auto probe = ShareProbe::create(
        loop, mqtt, std::move(group), std::move(probe_topic),
        [raw](std::optional<std::string> failure) { raw->on_verdict(std::move(failure)); });
    if (!probe) return probe.failure();
    link->probe_ = std::move(probe.value());
    net::MqttOptions options = mqtt;
    options.client_id = mqtt.client_id + "-login";
    options.clean_session = true;
    auto connection = net::MqttConnection::create(loop, std::move(options), *link);
    if (!connection) return connection.failure();
    link->connection_ = std::move(connection.value());
    return link;
}

LoginLink::LoginLink(std::string filter, LoginLinkOwner& owner)
    : filter_(std::move(filter)), owner_(owner) {}

LoginLink::~LoginLink() = default;

void LoginLink::join() {
    joined_ = true;
    switch (state_) {
        case State::kIdle:
            state_ = State::kProbing;
            if (auto started = probe_->start(); !started) refuse(started.error());
            return;
        case State::kConnected:
            // Again after the session connection came back: harmless if still subscribed.
            connection_->subscribe(filter_, core::kMaxQos);
            return;
        case State::kProbing:
        case State::kConnecting:  // subscribes once connected
        case State::kClosing:
        case State::kClosed:
            return;
    }
}

void LoginLink::leave() {
    joined_ = false;
    if (state_ == State::kConnected) connection_->unsubscribe(filter_);
}

void LoginLink::close() {
    joined_ = false;
    if (state_ == State::kClosing || closed_reported_) return;
    probe_->cancel();
    const State before = std::exchange(state_, State::kClosing);
    if (before == State::kIdle || before == State::kProbing || before == State::kClosed) {
        state_ = State::kClosed;
        closed_reported_ = true;
        owner_.on_login_link_closed();
        return;
    }
    connection_->disconnect();
}

void LoginLink::on_verdict(std::optional<std::string> failure) {
    if (state_ != State::kProbing) return;
    if (failure) return refuse(std::move(*failure));
    state_ = State::kConnecting;
    if (auto connected = connection_->connect(); !connected) refuse(connected.error());
}

void LoginLink::refuse(std::string reason) {
    owner_.on_login_link_refused(reason);
}

void LoginLink::on_connected(bool /*session_present*/) {
    if (state_ != State::kConnecting) return;
    state_ = State::kConnected;
    if (!connection_->shared_subscriptions_available()) {
        return refuse(
            "the broker says it offers no shared subscriptions (MQTT 5 CONNACK: Shared "
            "Subscription Available = 0)");
    }
    if (joined_) connection_->subscribe(filter_, core::kMaxQos);
}

void LoginLink::on_refused(std::string reason) {
    refuse("the broker refused the login connection: " + reason);
}

void LoginLink::on_connection_lost(std::string reason) {
    if (state_ == State::kConnected) state_ = State::kConnecting;
    if (state_ == State::kConnecting) owner_.on_login_link_lost(reason);
}

void LoginLink::on_message(std::string_view topic, std::string_view payload, int qos,
                           bool retained) {
    owner_.on_login_message(topic, payload, qos, retained);
}

void LoginLink::on_subscribed(std::string_view topic, int granted_qos) {
    owner_.on_login_subscribed(topic, granted_qos);
}

void LoginLink::on_closed() {
    const bool asked = state_ == State::kClosing;
    state_ = State::kClosed;
    if (asked && !closed_reported_) {
        closed_reported_ = true;
        owner_.on_login_link_closed();
    }
}

void LoginLink::on_request_failed(std::string_view reason) {
    owner_.on_login_link_lost(reason);
}

}  // namespace cmdlink::runner
