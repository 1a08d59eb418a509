#pragma once

#include <string_view>

#include "core/outbox.hpp"

namespace cmdlink::core {

// An MQTT connection as the core's callers see it: what carries out the actions of an
// outbox. The views are valid only during the call.
class MqttOutput {
  public:
    virtual ~MqttOutput() = default;
    virtual void subscribe(std::string_view topic, int qos) = 0;
    virtual void unsubscribe(std::string_view topic) = 0;
    virtual void publish(std::string_view topic, std::string_view payload, int qos) = 0;
    virtual void disconnect() = 0;
};

// Carries out one action of a taken batch.
inline void carry_out(const MqttAction& action, MqttOutput& connection) {
    switch (action.kind) {
        case MqttAction::Kind::kSubscribe:
            return connection.subscribe(action.topic, action.qos);
        case MqttAction::Kind::kUnsubscribe:
            return connection.unsubscribe(action.topic);
        case MqttAction::Kind::kPublish:
            return connection.publish(action.topic, action.payload, action.qos);
        case MqttAction::Kind::kDisconnect:
            return connection.disconnect();
    }
}

// Takes `outbox` into `batch` until it stays empty, carrying out each action on `connection`
// and handing each event to `on_event`, in order. `on_event` may feed the state machine more
// input; what that appends is taken on the next turn of this loop.
template <class Event, class OnEvent>
void carry_out_all(Outbox<Event>& outbox, Outbox<Event>& batch, MqttOutput& connection,
                   OnEvent&& on_event) {
    while (!outbox.empty()) {
        outbox.take_into(batch);
        for (const auto& entry : batch.entries()) {
            if (const auto* action = std::get_if<MqttAction>(&entry)) {
                carry_out(*action, connection);
            } else {
                on_event(std::get<Event>(entry));
            }
        }
    }
}

}  // namespace cmdlink::core
