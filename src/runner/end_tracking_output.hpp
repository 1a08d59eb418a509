#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/mqtt_output.hpp"
#include "net/mqtt_connection.hpp"

namespace cmdlink::runner {

// Carries the Issuer's actions to the connection and remembers which message ID each
// `Well done my IoT!` went out with, so that the broker's acknowledgement can be recorded:
// after a crash, only an end the broker never acknowledged is published again.
class EndTrackingOutput final : public core::MqttOutput {
  public:
    explicit EndTrackingOutput(net::MqttConnection& connection) : connection_(connection) {}

    void subscribe(std::string_view topic, int qos) override { connection_.subscribe(topic, qos); }
    void unsubscribe(std::string_view topic) override { connection_.unsubscribe(topic); }
    void publish(std::string_view topic, std::string_view payload, int qos) override;
    void disconnect() override { connection_.disconnect(); }

    // The session whose end went out as `message_id`, once; nothing for any other message.
    std::optional<std::string> delivered(int message_id);
    [[nodiscard]] std::size_t ends_in_flight() const { return ends_.size(); }

  private:
    net::MqttConnection& connection_;
    std::unordered_map<int, std::string> ends_;  // message ID -> session ID
};

}  // namespace cmdlink::runner
