#pragma once

#include <string_view>

namespace cmdlink::core {

// What a session asks of its MQTT connection. The views are valid only during the call,
// which lets a session hand out buffers it reuses instead of allocating per message.
class MqttOutput {
  public:
    virtual ~MqttOutput() = default;
    virtual void subscribe(std::string_view topic, int qos) = 0;
    virtual void unsubscribe(std::string_view topic) = 0;
    virtual void publish(std::string_view topic, std::string_view payload, int qos) = 0;
    virtual void disconnect() = 0;
};

}  // namespace cmdlink::core
