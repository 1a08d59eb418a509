#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "net/mqtt_connection.hpp"

namespace cmdlink::net {

struct ReceivedMessage {
    std::string topic;
    std::string payload;
    int qos = 0;
};

// Records what a connection reports; each hook, when set, runs after the recording.
class RecordingListener final : public MqttListener {
  public:
    void on_connected(bool /*session_present*/) override {
        ++connects;
        if (when_connected) when_connected();
    }
    void on_refused(std::string reason) override {
        refusals.push_back(std::move(reason));
        if (when_refused) when_refused();
    }
    void on_connection_lost(std::string reason) override {
        losses.push_back(std::move(reason));
        if (when_lost) when_lost();
    }
    void on_message(std::string_view topic, std::string_view payload, int qos,
                    bool /*retained*/) override {
        messages.push_back({std::string(topic), std::string(payload), qos});
        if (when_message) when_message();
    }
    void on_subscribed(std::string_view topic, int granted_qos) override {
        subscriptions.emplace_back(std::string(topic), granted_qos);
        if (when_subscribed) when_subscribed();
    }
    void on_closed() override {
        ++closes;
        if (when_closed) when_closed();
    }
    void on_request_failed(std::string_view message) override { failures.emplace_back(message); }
    void on_delivered(int message_id) override {
        delivered.push_back(message_id);
        if (when_delivered) when_delivered();
    }

    int connects = 0;
    int closes = 0;
    std::vector<std::string> refusals;
    std::vector<std::string> losses;
    std::vector<ReceivedMessage> messages;
    std::vector<std::pair<std::string, int>> subscriptions;
    std::vector<std::string> failures;
    std::vector<int> delivered;
    std::function<void()> when_connected;
    std::function<void()> when_refused;
    std::function<void()> when_lost;
    std::function<void()> when_message;
    std::function<void()> when_subscribed;
    std::function<void()> when_closed;
    std::function<void()> when_delivered;
};

}  // namespace cmdlink::net
