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

// Carries out one action of a drained outbox.
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

}  // namespace cmdlink::core
