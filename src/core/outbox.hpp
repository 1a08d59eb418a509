#pragma once

#include <cstddef>
#include <memory>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace cmdlink::core {

// Copies of strings that stay where they are until clear(), however many are added after
// them: an outbox hands out views into it while the core keeps appending. Memory is kept
// across clear(), so a steady stream of messages allocates nothing.
class TextArena {
  public:
    TextArena() = default;
    TextArena(const TextArena&) = delete;
    TextArena& operator=(const TextArena&) = delete;
    TextArena(TextArena&&) noexcept = default;
    TextArena& operator=(TextArena&&) noexcept = default;
    ~TextArena() = default;

    std::string_view keep(std::string_view text);
    void clear();

  private:
    struct Block {
        std::unique_ptr<char[]> bytes;
        std::size_t size = 0;
    };
    std::vector<Block> blocks_;
    std::size_t current_ = 0;  // the block being filled
    std::size_t used_ = 0;     // bytes used in it
};

// One request of the core to its MQTT connection; the views live in the outbox.
struct MqttAction {
    enum class Kind { kSubscribe, kUnsubscribe, kPublish, kDisconnect };
    Kind kind = Kind::kDisconnect;
    std::string_view topic;
    std::string_view payload;
    int qos = 0;
};

// What a state machine of the core asks for (MQTT actions) and tells (events), in the order
// it happened. The core appends; its caller takes the whole batch and carries it out after
// the input that produced it has returned (see the call contract in issuer.hpp and
// client_session.hpp). `keep_text(Event&, TextArena&)` must re-point an event's views into
// the arena, so that an entry outlives whatever the core freed after appending it.
template <class Event>
class Outbox {
  public:
    using Entry = std::variant<MqttAction, Event>;

    void subscribe(std::string_view topic, int qos) {
        entries_.emplace_back(MqttAction{MqttAction::Kind::kSubscribe, text_.keep(topic), {}, qos});
    }
    void unsubscribe(std::string_view topic) {
        entries_.emplace_back(MqttAction{MqttAction::Kind::kUnsubscribe, text_.keep(topic), {}, 0});
    }
    void publish(std::string_view topic, std::string_view payload, int qos) {
        entries_.emplace_back(
            MqttAction{MqttAction::Kind::kPublish, text_.keep(topic), text_.keep(payload), qos});
    }
    void disconnect() { entries_.emplace_back(MqttAction{}); }
    void record(Event event) {
        std::visit([this](auto& kind) { keep_text(kind, text_); }, event);
        entries_.emplace_back(std::move(event));
    }

    [[nodiscard]] bool empty() const { return entries_.empty(); }
    [[nodiscard]] const std::vector<Entry>& entries() const { return entries_; }

    // Hands everything appended so far to `batch` (dropping what it held) and starts empty
    // with the batch's old buffers, so two outboxes that swap in turn reuse their memory.
    void take_into(Outbox& batch) {
        batch.clear();
        std::swap(entries_, batch.entries_);
        std::swap(text_, batch.text_);
    }

    void clear() {
        entries_.clear();
        text_.clear();
    }

  private:
    std::vector<Entry> entries_;
    TextArena text_;
};

}  // namespace cmdlink::core
