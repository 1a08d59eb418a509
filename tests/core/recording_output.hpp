#pragma once

// Test doubles for the protocol core: outputs that record every action and event (and may
// pass the actions on to a fake broker), and random sources a test can fix.

#include <gtest/gtest.h>

#include <cstdint>
#include <deque>
#include <initializer_list>
#include <ostream>
#include <random>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "core/client_session.hpp"
#include "core/issuer.hpp"
#include "core/mqtt_output.hpp"
#include "core/random_source.hpp"
#include "core/server_events.hpp"
#include "core/server_session.hpp"
#include "core/text_checks.hpp"

namespace cmdlink::core::test_support {

// One request a session made of its MQTT connection.
struct Action {
    enum class Kind { kSubscribe, kUnsubscribe, kPublish, kDisconnect };
    Kind kind = Kind::kDisconnect;
    std::string topic;
    std::string payload;
    int qos = 0;

    bool operator==(const Action&) const = default;
};

inline Action subscribe_action(std::string topic, int qos) {
    return {Action::Kind::kSubscribe, std::move(topic), {}, qos};
}
inline Action unsubscribe_action(std::string topic) {
    return {Action::Kind::kUnsubscribe, std::move(topic), {}, 0};
}
inline Action publish_action(std::string topic, std::string payload, int qos) {
    return {Action::Kind::kPublish, std::move(topic), std::move(payload), qos};
}
inline Action disconnect_action() {
    return {};
}

inline void PrintTo(const Action& action, std::ostream* os) {
    switch (action.kind) {
        case Action::Kind::kSubscribe:
            *os << "subscribe(" << action.topic << ", qos " << action.qos << ")";
            break;
        case Action::Kind::kUnsubscribe:
            *os << "unsubscribe(" << action.topic << ")";
            break;
        case Action::Kind::kPublish:
            *os << "publish(" << action.topic << ", '" << printable(action.payload) << "', qos "
                << action.qos << ")";
            break;
        case Action::Kind::kDisconnect:
            *os << "disconnect()";
            break;
    }
}

// Records the actions of an MqttOutput and forwards them when `forward` is set.
class RecordingMqtt : public MqttOutput {
  public:
    void subscribe(std::string_view topic, int qos) override {
        actions.push_back(subscribe_action(std::string(topic), qos));
        if (forward != nullptr) forward->subscribe(topic, qos);
    }
    void unsubscribe(std::string_view topic) override {
        actions.push_back(unsubscribe_action(std::string(topic)));
        if (forward != nullptr) forward->unsubscribe(topic);
    }
    void publish(std::string_view topic, std::string_view payload, int qos) override {
        actions.push_back(publish_action(std::string(topic), std::string(payload), qos));
        if (forward != nullptr) forward->publish(topic, payload, qos);
    }
    void disconnect() override {
        actions.push_back(disconnect_action());
        if (forward != nullptr) forward->disconnect();
    }

    // The actions recorded since the last call.
    std::vector<Action> take_actions() { return std::exchange(actions, {}); }

    // Only the publications, in order.
    [[nodiscard]] std::vector<Action> publications() const {
        std::vector<Action> found;
        for (const Action& action : actions) {
            if (action.kind == Action::Kind::kPublish) found.push_back(action);
        }
        return found;
    }

    std::vector<Action> actions;
    MqttOutput* forward = nullptr;
};

// A ClientOutput that keeps each event as one line of text, which makes exact checks short:
//   "login_sent 12345 qos=2" (" attempt=2" on a later one), "session <id>", "answered CMD1 Apple
//   qos=1", "unknown CMD8 qos=1", "ignored <topic>: <reason>", "finished passed".
class RecordingClientOutput : public RecordingMqtt {
  public:
    void report(const ClientEvent& event) {
        events.push_back(std::visit([](const auto& e) { return describe(e); }, event));
    }

    std::vector<std::string> take_events() { return std::exchange(events, {}); }

    std::vector<std::string> events;

  private:
    static std::string describe(const client_event::LoginSent& e) {
        return "login_sent " + std::string(e.user_id) + " qos=" + std::to_string(e.qos) +
               (e.attempt > 1 ? " attempt=" + std::to_string(e.attempt) : "");
    }
    static std::string describe(const client_event::SessionAssigned& e) {
        return "session " + std::string(e.session_id);
    }
    static std::string describe(const client_event::CommandAnswered& e) {
        return "answered " + std::string(e.command) + " " + std::string(e.reply) +
               " qos=" + std::to_string(e.qos);
    }
    static std::string describe(const client_event::UnknownCommand& e) {
        return "unknown " + printable(e.command) + " qos=" + std::to_string(e.qos);
    }
    static std::string describe(const client_event::Ignored& e) {
        return "ignored " + printable(e.topic) + ": " + e.reason;
    }
    static std::string describe(const client_event::VerdictReceived& e) {
        if (e.login_refused) return "login refused: " + std::string(e.reason);
        return "verdict " + std::string(e.session_id) + " " + std::string(to_string(e.outcome)) +
               (e.reason.empty() ? "" : ": " + std::string(e.reason));
    }
    static std::string describe(const client_event::Finished& e) {
        return "finished " + std::string(to_string(e.outcome)) +
               (e.reason.empty() ? "" : ": " + e.reason);
    }
};

// Owned copies of the server events, whose views die with the call.
struct IssuedRecord {
    std::string user_id;
    std::string session_id;
    bool repeated = false;
};
struct RefusedRecord {
    std::string user_id;
    std::string reason;
    std::uint64_t count = 1;
};
struct CommandRecord {
    std::string session_id;
    std::string command;
    int qos = 0;
    std::uint32_t index = 0;
};
struct ReplyRecord {
    std::string session_id;
    std::string command;
    std::string word;
    int qos = 0;
    Verdict verdict = Verdict::kCorrect;
    Duration latency{};
};
struct EndRecord {
    std::string user_id;
    std::string session_id;
    SessionOutcome outcome = SessionOutcome::kFailed;
    std::string reason;
    std::uint32_t commands = 0;
    std::uint32_t correct = 0;
    std::uint32_t low_qos = 0;
    std::uint32_t wrong = 0;
    std::uint32_t surplus = 0;
    TimePoint login_at;
    TimePoint first_command_at;
    TimePoint ended_at;
};
struct IgnoredRecord {
    std::string topic;
    std::string reason;
};

class RecordingServerOutput : public RecordingMqtt {
  public:
    void record(const ServerEvent& event) {
        std::visit([this](const auto& e) { keep(e); }, event);
    }

    [[nodiscard]] std::vector<Verdict> verdicts() const {
        std::vector<Verdict> found;
        for (const ReplyRecord& reply : replies) found.push_back(reply.verdict);
        return found;
    }

    [[nodiscard]] std::vector<std::string> commands_sent_to(std::string_view session_id) const {
        std::vector<std::string> found;
        for (const CommandRecord& command : commands) {
            if (command.session_id == session_id) found.push_back(command.command);
        }
        return found;
    }

    [[nodiscard]] const EndRecord* ending_of(std::string_view session_id) const {
        for (const EndRecord& end : ended) {
            if (end.session_id == session_id) return &end;
        }
        return nullptr;
    }

    void clear() {
        actions.clear();
        log.clear();
        issued.clear();
        refused.clear();
        commands.clear();
        replies.clear();
        ended.clear();
        ignored.clear();
        announced.clear();
        ready = 0;
    }

    std::vector<std::string> log;  // the kind of every event, in order
    std::vector<IssuedRecord> issued;
    std::vector<RefusedRecord> refused;
    std::vector<CommandRecord> commands;
    std::vector<ReplyRecord> replies;
    std::vector<EndRecord> ended;
    std::vector<IgnoredRecord> ignored;
    std::vector<std::string> announced;
    int ready = 0;

  private:
    void keep(const server_event::LoginRefused& e) {
        log.emplace_back("refused");
        refused.push_back({std::string(e.user_id), e.reason, e.count});
    }
    void keep(const server_event::SessionIssued& e) {
        log.emplace_back("issued");
        issued.push_back({std::string(e.user_id), std::string(e.session_id), e.repeated});
    }
    void keep(const server_event::CommandSent& e) {
        log.emplace_back("command");
        commands.push_back({std::string(e.session_id), std::string(e.command), e.qos, e.index});
    }
    void keep(const server_event::ReplyChecked& e) {
        log.emplace_back("reply");
        replies.push_back({std::string(e.session_id), std::string(e.command), std::string(e.word),
                           e.qos, e.verdict, e.latency});
    }
    void keep(const server_event::SessionEnded& e) {
        log.emplace_back("ended");
        const SessionSummary& s = e.summary;
        ended.push_back({std::string(s.user_id), std::string(s.session_id), s.outcome, s.reason,
                         s.commands, s.correct, s.low_qos, s.wrong, s.surplus, s.login_at,
                         s.first_command_at, s.ended_at});
    }
    void keep(const server_event::MessageIgnored& e) {
        log.emplace_back("ignored");
        ignored.push_back({std::string(e.topic), e.reason});
    }
    // Kept out of `log`, whose tests are about the exchange itself.
    void keep(const server_event::SessionAnnounced& e) { announced.emplace_back(e.session_id); }
    void keep(const server_event::Ready& /*e*/) { ++ready; }
    void keep(const server_event::SubscriptionRefused& e) {
        log.emplace_back("subscription_refused");
        ignored.push_back({std::string(e.topic), e.reason});
    }
};

// Carries out what `outbox` holds into `out`, in order, as a runner does after each input.
inline void replay(ServerOutbox& outbox, RecordingServerOutput& out) {
    ServerOutbox batch;
    carry_out_all(outbox, batch, out, [&](const ServerEvent& event) { out.record(event); });
}

inline void replay(ClientSession& client, RecordingClientOutput& out) {
    ClientOutbox batch;
    carry_out_all(client.outbox(), batch, out,
                  [&](const ClientEvent& event) { out.report(event); });
}

// Replays the issuer's outbox and, unless `announce` is false, announces each new session at
// `now`, as a server whose announce gate waits for nothing (no ledger, no grants) does.
inline void settle(Issuer& issuer, RecordingServerOutput& out, TimePoint now,
                   bool announce = true) {
    ServerOutbox batch;
    carry_out_all(issuer.outbox(), batch, out, [&](const ServerEvent& event) {
        out.record(event);
        const auto* issued = std::get_if<server_event::SessionIssued>(&event);
        if (announce && issued != nullptr && !issued->repeated) {
            issuer.announce(issued->session_id, now);
        }
    });
}

// A reproducible stream of random words.
class SeededRandom : public RandomSource {
  public:
    explicit SeededRandom(std::uint64_t seed) : engine_(seed) {}
    std::uint64_t next_u64() override { return engine_(); }

  private:
    std::mt19937_64 engine_;
};

// Returns the scripted words first, then seeded ones. Because RandomSource::uniform maps a
// small draw `v` to `low + v % span`, a script of small numbers picks table entries and QoS
// levels directly.
class ScriptedRandom : public RandomSource {
  public:
    explicit ScriptedRandom(std::initializer_list<std::uint64_t> script = {},
                            std::uint64_t seed = 7)
        : script_(script), engine_(seed) {}

    void append(std::initializer_list<std::uint64_t> words) {
        script_.insert(script_.end(), words.begin(), words.end());
    }

    std::uint64_t next_u64() override {
        ++draws;
        if (script_.empty()) return engine_();
        const std::uint64_t word = script_.front();
        script_.pop_front();
        return word;
    }

    [[nodiscard]] std::size_t scripted_left() const { return script_.size(); }

    std::size_t draws = 0;

  private:
    std::deque<std::uint64_t> script_;
    std::mt19937_64 engine_;
};

// For messages: EXPECT_TRUE(Contains(reason, "strict mode")).
inline ::testing::AssertionResult Contains(std::string_view haystack, std::string_view needle) {
    if (haystack.find(needle) != std::string_view::npos) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure()
           << "'" << haystack << "' does not contain '" << needle << "'";
}

inline ::testing::AssertionResult StartsWith(std::string_view text, std::string_view prefix) {
    if (text.substr(0, prefix.size()) == prefix) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure()
           << "'" << text << "' does not start with '" << prefix << "'";
}

}  // namespace cmdlink::core::test_support

namespace cmdlink::core {
// Lets GoogleTest print verdicts and outcomes by name.
inline void PrintTo(Verdict verdict, std::ostream* os) {
    *os << to_string(verdict);
}
inline void PrintTo(SessionOutcome outcome, std::ostream* os) {
    *os << to_string(outcome);
}
inline void PrintTo(ClientOutcome outcome, std::ostream* os) {
    *os << to_string(outcome);
}
}  // namespace cmdlink::core
