#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <queue>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/clock.hpp"
#include "core/random_source.hpp"
#include "core/restored_session.hpp"
#include "core/result.hpp"
#include "core/server_policy.hpp"
#include "core/server_session.hpp"
#include "core/session_pool.hpp"

namespace cmdlink::core {

struct IssuerCounts {
    std::uint64_t logins = 0;
    std::uint64_t logins_refused = 0;
    std::uint64_t passed = 0;
    std::uint64_t failed = 0;  // every outcome but passed
    std::uint64_t commands = 0;
    std::uint64_t replies = 0;
};

// The issuing side of PROTOCOL.md: every session of one server, their timers in one heap.
//
// Call contract (as quinn-proto's Connection; ClientSession follows the same one):
// - Inputs are start, on_subscribed, on_message, on_timer, announce, withdraw, restore,
//   remember_ended, drain and stop. Each takes the time it happened as a value; none blocks,
//   throws or calls out of the core.
// - What to do (subscribe, unsubscribe, publish, disconnect) and what happened (the events
//   the transcripts, the status and the ledger record) are appended to outbox(), in the
//   order they happened.
// - After every input, the caller takes the whole outbox (`outbox().take_into(batch)`) and
//   carries the batch out in order: actions to the MQTT connection, events to its observers.
//   While it does, anything may call any input again (stop from an observer, announce once
//   a row is committed); what that appends waits for the caller's next take, which it makes
//   before it sleeps. So the batch's views stay valid while it is carried out.
// - Then it re-arms one timer at next_deadline() and calls on_timer() when that is due.
// - A new session's ID goes out only through announce(): the caller decides when a session
//   is safe to announce (recorded, granted) and says so. SessionIssued tells it that one is
//   waiting; SessionAnnounced, that its ID went out.
// - After stop(), or once drained(), the outbox ends with a disconnect; later logins are
//   refused with a reason, so nothing is issued after a stop.
class Issuer {
  public:
    static Result<Issuer> create(ServerPolicy policy, RandomSource& random);

    // Session IDs from `pool` instead of random ones (roster pool mode, docs/isolation.md):
    // logins from user IDs without a pool, or whose pool is used up, are refused.
    void use_session_pool(SessionPool pool);

    // On every (re)connection: the subscriptions; Ready follows once all are acknowledged.
    void start();
    // The broker's answer to one of our subscriptions; above 2 is a refusal.
    void on_subscribed(std::string_view topic, int granted_qos, TimePoint now);
    void on_message(std::string_view topic, std::string_view payload, int qos, TimePoint now,
                    bool retained = false);
    void on_timer(TimePoint now);
    // The session may be announced (its row is committed, its student granted): its ID goes
    // out now and its delay starts. False if it was announced already or is gone.
    bool announce(std::string_view session_id, TimePoint now);
    // A session waiting for announce() that cannot be announced (its student's grant was
    // refused) ends as failed with `reason`. False if no such session waits.
    bool withdraw(std::string_view session_id, std::string reason, TimePoint now);
    // Puts back a session a previous run left in flight (see ServerSession::restore); an error
    // says why it cannot be, and the session is then not in flight.
    Result<bool> restore(const RestoredSession& restored, TimePoint now);
    // Replies to `ended` count as after the end (not as unknown) for the rest of its retention.
    // If it passed but its end was never acknowledged by the broker, the end goes out again.
    void remember_ended(const EndedSession& ended, TimePoint now);
    // While held, logins that would start a session are refused with `reason` (the server
    // cannot take more now: its ledger is behind); repeated logins still get their ID.
    void hold_logins(std::string reason);
    void resume_logins();
    [[nodiscard]] bool holding_logins() const { return !hold_reason_.empty(); }
    // For a server that is stopping gently: new logins are refused with a reason, the
    // sessions in flight run to their end (passed, failed or timed out), then it disconnects.
    void drain();
    // Ends every session in flight as interrupted (with `reason`), refuses what comes later,
    // and disconnects.
    void stop(TimePoint now, std::string_view reason = "the server stopped");

    [[nodiscard]] ServerOutbox& outbox() { return outbox_; }
    [[nodiscard]] TimePoint next_deadline() const;
    [[nodiscard]] std::size_t active_sessions() const { return sessions_.size(); }
    [[nodiscard]] const IssuerCounts& counts() const { return counts_; }
    [[nodiscard]] const ServerPolicy& policy() const { return policy_; }
    [[nodiscard]] bool draining() const { return draining_; }
    [[nodiscard]] bool stopped() const { return stopped_; }
    // Draining, and no session is left: the server can go.
    [[nodiscard]] bool drained() const { return draining_ && sessions_.empty(); }

  private:
    Issuer(ServerPolicy policy, RandomSource& random);

    struct Wakeup {
        TimePoint at;
        std::uint64_t serial;
        bool operator>(const Wakeup& other) const { return at > other.at; }
    };

    // Whether the logins come through a shared subscription (`$share/GROUP/login`).
    [[nodiscard]] bool shares_logins() const;
    void on_login(std::string_view payload, TimePoint now);
    void on_reply(std::string_view topic, std::string_view payload, int qos, TimePoint now);
    // A new session's ID (not yet marked used in the pool), or why there is none.
    Result<std::string> new_session_id(std::string_view user_id);
    void schedule(std::uint64_t serial, const ServerSession& session);
    // Moves an ended session out of the active maps, remembering its ID for a while.
    void retire(std::uint64_t serial, TimePoint now);
    void subscribe(std::string_view topic, bool needed_for_ready);
    void subscribe_replies(std::string_view session_id, bool needed_for_ready);
    // Once draining and no session is left: the disconnect, once.
    void disconnect_if_drained();
    void forget_expired(TimePoint now);
    void count_outcome(const ServerSession& session);
    void refuse_login(std::string_view user_id, std::string reason, TimePoint now);
    // Records the refusals counted beyond the recorded ones of the second that has passed.
    void flush_refusal_tally(TimePoint now, bool window_over);
    // At max_sessions: ends the session that has waited longest (and at least the policy's
    // unanswered_evictable_after) for any answer, to make room. False if none qualifies.
    bool evict_unanswered(TimePoint now);
    void note_running(std::uint64_t serial, TimePoint now);
    // Whether a reply to a session unknown or ended may be recorded one by one (within the
    // policy's limit per second); if not, it is counted for the second's tally.
    bool record_stray_reply(TimePoint now);
    void flush_stray_tally();

    ServerPolicy policy_;
    RandomSource* random_;
    std::optional<SessionPool> pool_;
    std::uint64_t next_serial_ = 1;
    std::unordered_map<std::uint64_t, ServerSession> sessions_;
    std::unordered_map<std::string, std::uint64_t> by_session_id_;
    std::unordered_map<std::string, std::uint64_t> by_user_id_;
    std::priority_queue<Wakeup, std::vector<Wakeup>, std::greater<>> wakeups_;
    std::unordered_map<std::string, TimePoint> ended_;
    std::deque<std::pair<TimePoint, std::string>> ended_order_;
    IssuerCounts counts_;
    // The sessions whose commands went out, oldest first; an entry whose session ended or was
    // answered since is skipped when it reaches the front.
    std::deque<std::pair<TimePoint, std::uint64_t>> awaiting_answer_;
    // Refused logins of the current one-second window: the first ones are recorded one by one,
    // the rest counted per reason (with their user ID while it is always the same).
    struct RefusalTally {
        std::uint64_t count = 0;
        std::string user_id;
        bool several_users = false;
    };
    TimePoint refusal_window_start_ = kNever;
    std::uint32_t refusals_recorded_in_window_ = 0;
    std::map<std::string, RefusalTally> refusal_tally_;
    std::string hold_reason_;
    TimePoint stray_window_start_ = kNever;
    std::uint32_t strays_recorded_in_window_ = 0;
    std::uint64_t strays_counted_in_window_ = 0;
    // The subscriptions of the last start() not yet acknowledged; Ready when none is left.
    std::vector<std::string> awaiting_suback_;
    ServerOutbox outbox_;
    bool draining_ = false;
    bool stopped_ = false;
    bool disconnect_sent_ = false;
};

}  // namespace cmdlink::core
