#pragma once

#include <cstdint>
#include <deque>
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
class Issuer {
  public:
    static Result<Issuer> create(ServerPolicy policy, RandomSource& random);

    // Session IDs from `pool` instead of random ones (roster pool mode, docs/isolation.md):
    // logins from user IDs without a pool, or whose pool is used up, are refused.
    void use_session_pool(SessionPool pool);

    void start(ServerOutput& out);
    void on_message(std::string_view topic, std::string_view payload, int qos, TimePoint now,
                    ServerOutput& out, bool retained = false);
    void on_timer(TimePoint now, ServerOutput& out);
    // With ServerPolicy::confirm_before_announce: the session is durably recorded, so its ID
    // goes out now and its delay starts. False if it was announced already or is gone.
    bool confirm_recorded(std::string_view session_id, TimePoint now, ServerOutput& out);
    // Puts back a session a previous run left in flight (see ServerSession::restore); an error
    // says why it cannot be, and the session is then not in flight.
    Result<bool> restore(const RestoredSession& restored, TimePoint now, ServerOutput& out);
    // Replies to `ended` count as after the end (not as unknown) for the rest of its retention.
    void remember_ended(const EndedSession& ended, TimePoint now);
    // Ends every session in flight as interrupted, for a server that is stopping.
    void interrupt_all(TimePoint now, ServerOutput& out);
    // For a server that is stopping gently: new logins are refused with a reason, the
    // sessions in flight run to their end (passed, failed or timed out).
    void drain(ServerOutput& out);

    [[nodiscard]] TimePoint next_deadline() const;
    [[nodiscard]] std::size_t active_sessions() const { return sessions_.size(); }
    [[nodiscard]] const IssuerCounts& counts() const { return counts_; }
    [[nodiscard]] const ServerPolicy& policy() const { return policy_; }
    [[nodiscard]] bool draining() const { return draining_; }
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
    void on_login(std::string_view payload, TimePoint now, ServerOutput& out);
    void on_reply(std::string_view topic, std::string_view payload, int qos, TimePoint now,
                  ServerOutput& out);
    // A new session's ID (not yet marked used in the pool), or why there is none.
    Result<std::string> new_session_id(std::string_view user_id);
    void schedule(std::uint64_t serial, const ServerSession& session);
    // Moves an ended session out of the active maps, remembering its ID for a while.
    void retire(std::uint64_t serial, TimePoint now, ServerOutput& out);
    void subscribe_replies(std::string_view session_id, ServerOutput& out) const;
    void forget_expired(TimePoint now);
    void count_outcome(const ServerSession& session);

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
    bool draining_ = false;
};

}  // namespace cmdlink::core
