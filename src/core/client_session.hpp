#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/client_events.hpp"
#include "core/clock.hpp"
#include "core/command_table.hpp"
#include "core/mqtt_output.hpp"
#include "core/result.hpp"

namespace cmdlink::core {

struct ClientOptions {
    std::string user_id;
    CommandTable table = CommandTable::course_default();
    int login_qos = 2;
    Duration login_timeout = std::chrono::seconds(10);
    Duration idle_timeout = std::chrono::seconds(30);
};

class ClientOutput : public MqttOutput {
  public:
    virtual void report(const ClientEvent& event) = 0;
};

struct ClientCounts {
    std::uint64_t commands = 0;
    std::uint64_t replies = 0;
    std::uint64_t unknown = 0;
    std::uint64_t ignored = 0;
};

// The device side of PROTOCOL.md as a state machine: no socket, no clock, no thread.
class ClientSession {
  public:
    enum class State { kIdle, kSubscribing, kAwaitingSession, kInSession, kFinished };

    static Result<ClientSession> create(ClientOptions options);

    void on_connected(bool session_present, TimePoint now, ClientOutput& out);
    void on_subscribed(std::string_view topic, TimePoint now, ClientOutput& out);
    // `retained`: replayed by the broker from an earlier run, so never a fresh session ID.
    void on_message(std::string_view topic, std::string_view payload, int qos, TimePoint now,
                    ClientOutput& out, bool retained = false);
    void on_timer(TimePoint now, ClientOutput& out);

    [[nodiscard]] TimePoint next_deadline() const;
    [[nodiscard]] State state() const { return state_; }
    [[nodiscard]] ClientOutcome outcome() const { return outcome_; }
    [[nodiscard]] const std::string& user_id() const { return options_.user_id; }
    [[nodiscard]] const std::string& session_id() const { return session_id_; }
    [[nodiscard]] const ClientCounts& counts() const { return counts_; }

  private:
    explicit ClientSession(ClientOptions options);

    void subscribe_for_login(ClientOutput& out);
    void on_session_id(std::string_view payload, TimePoint now, ClientOutput& out);
    void on_command(std::string_view payload, int qos, TimePoint now, ClientOutput& out);
    void ignore(std::string_view topic, std::string reason, ClientOutput& out);
    void finish(ClientOutcome outcome, ClientOutput& out);

    ClientOptions options_;
    std::string login_topic_;  // <user ID>/UUID
    std::string session_id_;
    std::string reply_topic_;  // reused: "<session ID>/" plus the command being answered
    std::size_t reply_prefix_size_ = 0;
    State state_ = State::kIdle;
    ClientOutcome outcome_ = ClientOutcome::kRunning;
    bool login_sent_ = false;
    TimePoint login_deadline_ = kNever;
    TimePoint idle_deadline_ = kNever;
    ClientCounts counts_;
};

}  // namespace cmdlink::core
