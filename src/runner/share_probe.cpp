#include "runner/share_probe.hpp"

#include <cstdio>
#include <utility>

#include "core/protocol.hpp"

namespace cmdlink::runner {
namespace {

std::string hex_code(int code) {
    char text[16];
    std::snprintf(text, sizeof text, "0x%02X", code);
    return text;
}

std::string suback_meaning(int code) {
    switch (code) {
        case 0x9E:
            return "shared subscriptions not supported";
        case 0x87:
            return "not authorised";
        case 0x80:
            return "refused: not authorised, or not supported";
        default:
            return "refused";
    }
}

}  // namespace

// One member of the probe's group: a clean-session connection of its own.
class ShareProbe::Member final : private net::MqttListener {
  public:
    explicit Member(ShareProbe& probe) : probe_(probe) {}

    core::Result<bool> create(net::EventLoop& loop, net::MqttOptions options) {
        auto created = net::MqttConnection::create(loop, std::move(options), *this);
        if (!created) return created.failure();
        connection_ = std::move(created.value());
        return true;
    }
    net::MqttConnection& connection() { return *connection_; }
    [[nodiscard]] bool subscribed() const { return subscribed_; }

  private:
    void on_connected(bool /*session_present*/) override { probe_.on_member_connected(*this); }
    void on_refused(std::string reason) override { probe_.on_member_refused(reason); }
    void on_connection_lost(std::string reason) override { probe_.last_loss_ = std::move(reason); }
    void on_message(std::string_view topic, std::string_view payload, int /*qos*/,
                    bool /*retained*/) override {
        probe_.on_member_message(topic, payload);
    }
    void on_subscribed(std::string_view /*topic*/, int granted_qos) override {
        subscribed_ = granted_qos <= core::kMaxQos;
        probe_.on_member_subscribed(granted_qos);
    }
    void on_closed() override {}

    ShareProbe& probe_;
    std::unique_ptr<net::MqttConnection> connection_;
    bool subscribed_ = false;
};

core::Result<std::unique_ptr<ShareProbe>> ShareProbe::create(net::EventLoop& loop,
                                                             const net::MqttOptions& mqtt,
                                                             std::string group, std::string topic,
                                                             Verdict verdict) {
    std::unique_ptr<ShareProbe> probe(
        new ShareProbe(loop, std::move(group), std::move(topic), std::move(verdict)));
    for (std::size_t i = 0; i < probe->members_.size(); ++i) {
        net::MqttOptions options = mqtt;
        options.client_id = mqtt.client_id + "-probe-" + std::to_string(i + 1);
        options.clean_session = true;
        probe->members_[i] = std::make_unique<Member>(*probe);
        if (auto created = probe->members_[i]->create(loop, std::move(options)); !created) {
            return created.failure();
        }
    }
    return probe;
}

ShareProbe::ShareProbe(net::EventLoop& loop, std::string group, std::string topic, Verdict verdict)
    : loop_(loop),
      group_(std::move(group)),
      topic_(std::move(topic)),
      verdict_(std::move(verdict)),
      limit_timer_(loop, [this] { on_timeout(); }) {}

ShareProbe::~ShareProbe() = default;

std::string ShareProbe::shared_filter() const {
    return std::string(core::kSharedPrefix) + group_ + "/" + topic_;
}

core::Result<bool> ShareProbe::start() {
    limit_timer_.arm(loop_.now() + kLimit);
    for (auto& member : members_) {
        if (auto connected = member->connection().connect(); !connected) return connected;
    }
    return true;
}

void ShareProbe::cancel() {
    if (finished_) return;
    finished_ = true;
    limit_timer_.cancel();
    for (auto& member : members_) member->connection().disconnect();
}

void ShareProbe::on_member_connected(Member& member) {
    if (finished_) return;
    if (!member.connection().shared_subscriptions_available()) {
        return finish(
            "the broker says it offers no shared subscriptions (MQTT 5 CONNACK: Shared "
            "Subscription Available = 0)");
    }
    member.connection().subscribe(shared_filter(), 1);
}

void ShareProbe::on_member_subscribed(int granted_qos) {
    if (finished_) return;
    if (granted_qos > core::kMaxQos) {
        return finish("the broker refused the shared subscription " + shared_filter() +
                      " (SUBACK " + hex_code(granted_qos) + ": " + suback_meaning(granted_qos) +
                      ")");
    }
    // A reconnected member subscribes again; the probes go out once.
    for (const auto& member : members_) {
        if (!member->subscribed()) return;
    }
    if (published_) return;
    published_ = true;
    for (int i = 0; i < kProbes; ++i) {
        members_[0]->connection().publish(topic_, "probe " + std::to_string(i), 1);
    }
}

void ShareProbe::on_member_message(std::string_view topic, std::string_view payload) {
    if (finished_ || topic != topic_) return;
    if (!arrived_.emplace(payload).second) {
        return finish("the broker delivered the probe '" + std::string(payload) +
                      "' to both members of the shared subscription " + shared_filter() +
                      ": it does not share messages within a group");
    }
    if (arrived_.size() == static_cast<std::size_t>(kProbes)) finish(std::nullopt);
}

void ShareProbe::on_member_refused(const std::string& reason) {
    if (!finished_) finish(reason);
}

void ShareProbe::on_timeout() {
    if (finished_) return;
    const std::string limit = std::to_string(kLimit.count()) + " s";
    if (!published_) {
        std::string why = "the broker did not acknowledge the shared subscription " +
                          shared_filter() + " of both probe connections within " + limit;
        if (!last_loss_.empty()) why += " (last: " + last_loss_ + ")";
        return finish(why);
    }
    finish("the broker accepted the shared subscription " + shared_filter() + " but delivered " +
           std::to_string(arrived_.size()) + " of the " + std::to_string(kProbes) +
           " probes published to " + topic_ + " within " + limit +
           ": it does not deliver shared subscriptions (a broker that takes `$share/...` as a "
           "literal topic name does this, as RabbitMQ 3.10 and aedes do)");
}

void ShareProbe::finish(std::optional<std::string> failure) {
    cancel();
    // Runs inside a member's libmosquitto callback: the owner must not destroy the probe here.
    Verdict verdict = std::move(verdict_);
    if (verdict) verdict(std::move(failure));
}

}  // namespace cmdlink::runner
