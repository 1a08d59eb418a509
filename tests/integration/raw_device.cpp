#include "raw_device.hpp"

#include <utility>

namespace cmdlink::integration {
namespace {

using namespace std::chrono_literals;

constexpr auto kRawWaitLimit = std::chrono::milliseconds(20000);
constexpr int kKeepaliveSeconds = 30;

core::Error mosquitto_error(const std::string& what, int code) {
    return core::Error{what + ": " + mosquitto_strerror(code)};
}

}  // namespace

core::Result<std::unique_ptr<RawDevice>> RawDevice::connect(int port, const std::string& client_id,
                                                            const RawDeviceOptions& options) {
    mosquitto* handle = mosquitto_new(client_id.c_str(), !options.persistent, nullptr);
    if (handle == nullptr) return core::Error{"mosquitto_new failed"};
    std::unique_ptr<RawDevice> device(new RawDevice(handle, options.persistent));
    if (!options.username.empty()) {
        mosquitto_username_pw_set(handle, options.username.c_str(), options.password.c_str());
    }
    mosquitto_user_data_set(handle, device.get());

    mosquitto_connect_callback_set(handle, [](mosquitto*, void* self, int code) {
        static_cast<RawDevice*>(self)->connack_ = code;
    });
    mosquitto_subscribe_callback_set(
        handle, [](mosquitto*, void* self, int mid, int count, const int* granted) {
            auto* device = static_cast<RawDevice*>(self);
            device->pending_subscriptions_.erase(mid);
            device->last_granted_qos_ = count > 0 ? granted[0] : -1;
        });
    mosquitto_publish_callback_set(handle, [](mosquitto*, void* self, int mid) {
        static_cast<RawDevice*>(self)->pending_publishes_.erase(mid);
    });
    mosquitto_message_callback_set(
        handle, [](mosquitto*, void* self, const mosquitto_message* message) {
            auto* device = static_cast<RawDevice*>(self);
            RawMessage copy{message->topic,
                            std::string(static_cast<const char*>(message->payload),
                                        static_cast<std::size_t>(message->payloadlen)),
                            message->qos};
            device->received_.push_back(copy);
            if (device->handler_) device->handler_(copy);
        });

    if (const int code = mosquitto_connect(handle, "127.0.0.1", port, kKeepaliveSeconds);
        code != MOSQ_ERR_SUCCESS) {
        return mosquitto_error("cannot connect to 127.0.0.1:" + std::to_string(port), code);
    }
    RawDevice& raw = *device;
    // A refusing CONNACK also ends the loop with an error: the reason code says more.
    if (!raw.run_until([&] { return raw.connack_ >= 0; }, kRawWaitLimit) && raw.connack_ < 0) {
        return core::Error{"no CONNACK: " + raw.loop_error_};
    }
    if (raw.connack_ != 0) {
        return core::Error{std::string("connection refused: ") +
                           mosquitto_connack_string(raw.connack_)};
    }
    return device;
}

RawDevice::~RawDevice() {
    mosquitto_disconnect(handle_.get());
}

core::Result<bool> RawDevice::step() {
    const int code = mosquitto_loop(handle_.get(), 50, 1);
    if (code == MOSQ_ERR_SUCCESS) return true;
    if (persistent_ && (code == MOSQ_ERR_CONN_LOST || code == MOSQ_ERR_NO_CONN)) {
        // The broker keeps the session; libmosquitto resends unacknowledged publishes.
        ++reconnects_;
        if (const int again = mosquitto_reconnect(handle_.get()); again != MOSQ_ERR_SUCCESS) {
            return mosquitto_error("mosquitto_reconnect", again);
        }
        return true;
    }
    return mosquitto_error("mosquitto_loop", code);
}

bool RawDevice::run_until(const std::function<bool()>& done, std::chrono::milliseconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done()) {
        if (std::chrono::steady_clock::now() >= deadline) return false;
        if (auto stepped = step(); !stepped) {
            loop_error_ = stepped.error();
            return false;
        }
    }
    return true;
}

core::Result<bool> RawDevice::subscribe(const std::string& topic, int qos) {
    int mid = 0;
    if (const int code = mosquitto_subscribe(handle_.get(), &mid, topic.c_str(), qos);
        code != MOSQ_ERR_SUCCESS) {
        return mosquitto_error("cannot subscribe to " + topic, code);
    }
    pending_subscriptions_.insert(mid);
    if (!run_until([&] { return pending_subscriptions_.count(mid) == 0; }, kRawWaitLimit)) {
        return core::Error{"no SUBACK for " + topic + " " + loop_error_};
    }
    return true;
}

core::Result<bool> RawDevice::publish(const std::string& topic, std::string_view payload, int qos) {
    int mid = 0;
    const int code = mosquitto_publish(handle_.get(), &mid, topic.c_str(),
                                       static_cast<int>(payload.size()), payload.data(), qos,
                                       /*retain=*/false);
    if (code != MOSQ_ERR_SUCCESS) return mosquitto_error("cannot publish to " + topic, code);
    // A QoS 0 publish may be reported written before we get here; only acknowledgements,
    // which need the loop, are awaited.
    if (qos > 0) pending_publishes_.insert(mid);
    return true;
}

core::Result<bool> RawDevice::wait_published() {
    if (!run_until([&] { return pending_publishes_.empty(); }, kRawWaitLimit)) {
        return core::Error{std::to_string(pending_publishes_.size()) +
                           " publishes never acknowledged " + loop_error_};
    }
    return true;
}

core::Result<std::string> RawDevice::log_in(const std::string& user_id) {
    const std::string session_topic = user_id + "/UUID";
    if (auto subscribed = subscribe(session_topic, 2); !subscribed) {
        return core::Error{subscribed.error()};
    }
    const std::size_t seen = received_.size();
    if (auto published = publish("login", user_id, 2); !published) {
        return core::Error{published.error()};
    }
    std::string session_id;
    const bool assigned = run_until(
        [&] {
            for (std::size_t i = seen; i < received_.size(); ++i) {
                if (received_[i].topic == session_topic) session_id = received_[i].payload;
            }
            return !session_id.empty();
        },
        kRawWaitLimit);
    if (!assigned) return core::Error{"no session ID for " + user_id + " " + loop_error_};
    if (auto subscribed = subscribe(session_id, 2); !subscribed) {
        return core::Error{subscribed.error()};
    }
    return session_id;
}

}  // namespace cmdlink::integration
