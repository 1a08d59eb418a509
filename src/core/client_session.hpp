#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/client_events.hpp"
#include "core/clock.hpp"
#include "core/command_table.hpp"
#include "core/result.hpp"

namespace cmdlink::core {

struct ClientOptions {
    std::string user_id;
    CommandTable table = CommandTable::course_default();
    int login_qos = 2;
    Duration login_timeout = std::chrono::seconds(10);
    // Publishes the login again when no session ID has come within this long of the last
    // one (a login lost with a server crash or a broker restart); PROTOCOL.md makes a login
    // delivered twice harmless. Each retry waits this long again, until the login timeout.
    Duration login_retry = std::chrono::seconds(5);
    Duration idle_timeout = std::chrono::seconds(30);
    // Subscribes to `<user ID>/result` with `<user ID>/UUID`, and a verdict of the server's
    // (`server --feedback`) other than passed (or abandoned: a newer login of ours may have
    // replaced it) ends the session at once as failed. A refused
    // login's reason becomes the reason of a login timeout.
    bool hear_verdict = false;
};

struct ClientCounts {
    std::uint64_t commands = 0;
    std::uint64_t replies = 0;
    std::uint64_t unknown = 0;
    std::uint64_t ignored = 0;
};

// The device side of PROTOCOL.md as a state machine: no socket, no clock, no thread.
//
// Call contract (the same as Issuer's; quinn-proto's Connection is the model):
// - Inputs are the `on_*` methods, each with the time it happened. They never call out:
//   what to do (subscribe, publish, unsubscribe, disconnect) and what happened (events for
//   the transcript) are appended, in order, to outbox().
// - After every input, the caller takes the outbox (`outbox().take_into(batch)`) and carries
//   the batch out in order: MQTT actions to the connection, events to whoever listens. While
//   it does, it may call any input again; what that appends waits for the next take.
// - Then the caller re-arms its timer at next_deadline() and calls on_timer() when it is due.
class ClientSession {
  public:
    enum class State { kIdle, kSubscribing, kAwaitingSession, kInSession, kFinished };

    static Result<ClientSession> create(ClientOptions options);

    // Subscribes again, on every connection, to every topic the exchange needs: even a
    // broker that kept our session may have lost a SUBSCRIBE that died with the connection,
    // and a duplicate SUBSCRIBE is harmless.
    void on_connected(bool session_present, TimePoint now);
    // `granted_qos` above 2 is the broker's refusal (0x80 and MQTT 5 reason codes).
    void on_subscribed(std::string_view topic, int granted_qos, TimePoint now);
    // `retained`: replayed by the broker from an earlier run, so never a fresh session ID.
    void on_message(std::string_view topic, std::string_view payload, int qos, TimePoint now,
                    bool retained = false);
    void on_timer(TimePoint now);
    // Leaves at once (the person at the terminal pressed Ctrl-C): unsubscribes what this run
    // subscribed and disconnects. Nothing more is reported; the outcome stays as it was.
    void leave();

    [[nodiscard]] ClientOutbox& outbox() { return outbox_; }

    [[nodiscard]] TimePoint next_deadline() const;
    [[nodiscard]] State state() const { return state_; }
    [[nodiscard]] ClientOutcome outcome() const { return outcome_; }
    [[nodiscard]] const std::string& user_id() const { return options_.user_id; }
    [[nodiscard]] const std::string& session_id() const { return session_id_; }
    [[nodiscard]] const ClientOptions& options() const { return options_; }
    [[nodiscard]] int logins_sent() const { return logins_sent_; }
    [[nodiscard]] const ClientCounts& counts() const { return counts_; }

  private:
    explicit ClientSession(ClientOptions options);

    void subscribe_for_login();
    void send_login(TimePoint now);
    void follow_session(std::string_view session_id, TimePoint now);
    void on_session_id(std::string_view payload, TimePoint now);
    void on_command(std::string_view payload, int qos, TimePoint now);
    void on_verdict(std::string_view payload);
    // After a reconnect: `<user ID>/result` (when hearing verdicts) and `<user ID>/UUID`.
    void subscribe_login_topics();
    void ignore(std::string_view topic, std::string reason);
    void finish(ClientOutcome outcome, std::string reason = {});
    void unsubscribe_all();

    ClientOptions options_;
    std::string login_topic_;     // <user ID>/UUID
    std::string result_topic_;    // <user ID>/result, when hearing the verdict
    std::string server_refusal_;  // why the server refused our latest login, if it said so
    std::string session_id_;
    std::vector<std::string> left_sessions_;  // IDs the server replaced with a newer one
    std::string reply_topic_;  // reused: "<session ID>/" plus the command being answered
    std::size_t reply_prefix_size_ = 0;
    State state_ = State::kIdle;
    ClientOutcome outcome_ = ClientOutcome::kRunning;
    int logins_sent_ = 0;
    TimePoint login_deadline_ = kNever;
    TimePoint login_retry_at_ = kNever;
    TimePoint idle_deadline_ = kNever;
    ClientCounts counts_;
    ClientOutbox outbox_;
};

}  // namespace cmdlink::core
