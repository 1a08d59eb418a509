#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/random_source.hpp"
#include "core/restored_session.hpp"
#include "core/result.hpp"
#include "core/server_events.hpp"
#include "core/server_policy.hpp"

namespace cmdlink::core {

// One login's exchange on the issuing side, a part of an Issuer. The policy and the outbox
// are the Issuer's, passed in on every call rather than stored, which keeps thousands of
// sessions small. It follows the Issuer's call contract (issuer.hpp).
class ServerSession {
  public:
    enum class State { kIssued, kRunning, kEnded };

    ServerSession(std::string user_id, std::string session_id, TimePoint now,
                  const ServerPolicy& policy, RandomSource& random);

    // Becomes `restored`, as recorded before a restart, instead of the plan it drew: the
    // commands it sent count as sent (latency still runs from their recorded age), its
    // accepted answers as answered. Its timeout runs in full from `now`, so that the replies
    // the broker kept during the restart are read before it can expire. With no command sent,
    // it publishes its ID again (harmless if the device has it) and keeps its fresh plan for
    // after the delay. In lockstep pacing the unsent rest of its plan comes from the fresh
    // draw. Ends as passed at once if every command is answered, as failed if the replies
    // recorded fail it under `policy` (strict mode, a wrong reply).
    //
    // Every command sent but unanswered is published again: the crash may have lost it on its
    // way out, or lost the device's reply on its way in (docs/crash-safety.md). A device that
    // had it answers twice, so that many surplus replies, and one per answer restored (the
    // broker may deliver again a reply whose acknowledgement the crash cut off), are excused:
    // recorded, never failing a strict session.
    Result<bool> restore(const RestoredSession& restored, TimePoint now, const ServerPolicy& policy,
                         ServerOutbox& out);

    // Publishes the session ID and starts the delay and the session timeout from `now`; until
    // then a session waits without a timer.
    void announce(TimePoint now, const ServerPolicy& policy, ServerOutbox& out);

    // Publishes the announced ID again (a repeated login).
    void resend_id(TimePoint now, ServerOutbox& out);

    void on_timer(TimePoint now, const ServerPolicy& policy, ServerOutbox& out);
    void on_reply(std::string_view command, std::string_view word, int qos, TimePoint now,
                  const ServerPolicy& policy, ServerOutbox& out);
    // With the policy's feedback, the verdict follows the SessionEnded event, so that a
    // caller with a ledger sends it only once the session's row is committed.
    void end(SessionOutcome outcome, std::string reason, TimePoint now, ServerOutbox& out);

    [[nodiscard]] State state() const { return state_; }
    [[nodiscard]] TimePoint deadline() const { return deadline_; }
    [[nodiscard]] bool has_sent_commands() const { return sent_ > 0; }
    [[nodiscard]] bool announced() const { return announced_; }
    // When its ID last went out, if announced, and how often it did.
    [[nodiscard]] TimePoint id_sent_at() const { return id_sent_at_; }
    [[nodiscard]] std::uint32_t id_sent_count() const { return id_sent_count_; }
    [[nodiscard]] const std::string& user_id() const { return user_id_; }
    [[nodiscard]] const std::string& session_id() const { return session_id_; }
    [[nodiscard]] const SessionSummary& summary() const { return summary_; }

  private:
    struct PlannedCommand {
        TimePoint sent_at;
        std::uint16_t table_index;
        std::uint8_t qos;
        bool answered;
    };

    void send_next(std::size_t count, TimePoint now, const ServerPolicy& policy, ServerOutbox& out);
    // The unanswered instance of a command that a reply at `qos` answers: the oldest at
    // exactly that QoS, else the highest QoS below it, else the lowest above it. MQTT keeps
    // order only within one QoS, so a later command at a lower QoS can be answered first.
    PlannedCommand* best_unanswered(std::size_t table_index, int qos);
    void accept(PlannedCommand& command, TimePoint now, const ServerPolicy& policy,
                ServerOutbox& out);
    // What a previous run recorded, judged by this run's policy as if it arrived now: in
    // strict mode a low-QoS answer or a surplus reply fails the session, a wrong reply always
    // does. Why it fails, or nothing.
    std::optional<std::string> judge_restored_replies(const RestoredSession& restored,
                                                      const ServerPolicy& policy);

    std::string user_id_;
    std::string session_id_;
    std::vector<PlannedCommand> plan_;
    std::vector<std::uint32_t> cursor_;  // per table entry: first plan index not yet answered
    std::uint32_t sent_ = 0;
    std::uint32_t answered_ = 0;
    State state_ = State::kIssued;
    bool announced_ = false;
    bool restored_ = false;
    bool feedback_ = false;  // the policy's: its end publishes the verdict
    // Surplus replies the restart may have caused, which strict mode does not fail.
    std::uint32_t excused_surplus_ = 0;
    TimePoint deadline_;
    TimePoint timeout_at_;
    TimePoint id_sent_at_{};
    std::uint32_t id_sent_count_ = 0;
    SessionSummary summary_;
};

}  // namespace cmdlink::core
