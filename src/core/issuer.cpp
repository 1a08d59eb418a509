#include "core/issuer.hpp"

#include <algorithm>
#include <chrono>
#include <utility>

#include "core/protocol.hpp"
#include "core/session_verdict.hpp"
#include "core/text_checks.hpp"
#include "core/uuid.hpp"

namespace cmdlink::core {

Result<Issuer> Issuer::create(ServerPolicy policy, RandomSource& random) {
    if (auto why = check_policy(policy)) return Error{*why};
    return Issuer(std::move(policy), random);
}

Issuer::Issuer(ServerPolicy policy, RandomSource& random)
    : policy_(std::move(policy)), random_(&random) {}

void Issuer::use_session_pool(SessionPool pool) {
    pool_.emplace(std::move(pool));
}

bool Issuer::shares_logins() const {
    return policy_.login_subscription.starts_with(kSharedPrefix);
}

void Issuer::start() {
    awaiting_suback_.clear();
    disconnect_sent_ = false;
    if (stopped_) return;
    if (!draining_ || !shares_logins()) subscribe(policy_.login_subscription, true);
    if (policy_.replies == ReplySubscription::kWildcard) {
        // One wildcard catches every `<session ID>/<command>` reply at the QoS it was sent
        // with, and is in place before any session exists, so no early reply can be missed.
        subscribe("+/+", true);
    } else {
        // After a reconnect without our broker session, the sessions in flight need theirs
        // again.
        for (const auto& [serial, session] : sessions_) {
            subscribe_replies(session.session_id(), true);
        }
    }
    if (awaiting_suback_.empty()) outbox_.record(server_event::Ready{});
    disconnect_if_drained();
}

void Issuer::subscribe(std::string_view topic, bool needed_for_ready) {
    if (needed_for_ready) awaiting_suback_.emplace_back(topic);
    outbox_.subscribe(topic, kMaxQos);
}

void Issuer::subscribe_replies(std::string_view session_id, bool needed_for_ready) {
    if (policy_.replies != ReplySubscription::kPerSession) return;
    std::string filter(session_id);
    filter += "/+";
    subscribe(filter, needed_for_ready);
}

void Issuer::on_subscribed(std::string_view topic, int granted_qos, TimePoint now) {
    if (stopped_) return;
    if (granted_qos > kMaxQos) {
        outbox_.record(server_event::SubscriptionRefused{
            topic, "the broker refused the subscription to " + printable(topic) +
                       " (may the server's account read it?)"});
        stop(now, "the broker refused the server's subscription to " + printable(topic));
        return;
    }
    const auto found = std::find(awaiting_suback_.begin(), awaiting_suback_.end(), topic);
    if (found == awaiting_suback_.end()) return;
    awaiting_suback_.erase(found);
    if (awaiting_suback_.empty()) outbox_.record(server_event::Ready{});
}

void Issuer::on_message(std::string_view topic, std::string_view payload, int qos, TimePoint now,
                        bool retained) {
    if (retained) {
        // Replayed on every (re)subscribe: acting on it would issue sessions nobody asked for.
        outbox_.record(server_event::MessageIgnored{topic, "a retained message"});
    } else if (topic == kLoginTopic) {
        on_login(payload, now);
    } else {
        on_reply(topic, payload, qos, now);
    }
    disconnect_if_drained();
}

namespace {
// Refused logins and stray replies are recorded one by one up to the policy's limit per window
// of this length, and the rest of each window's counted.
constexpr Duration kTallyWindow = std::chrono::seconds(1);
// Distinct reasons tallied per window; further ones share one tally, so a flood of logins
// each refused for a reason of its own stays bounded too.
constexpr std::size_t kMaxTalliedReasons = 16;
constexpr std::string_view kVariousReasons = "various reasons";
// A repeated login re-sends the session ID (a device that reconnected without its session
// logs in again and needs it); after the first few times, at most once a second, so that one
// user ID cannot turn a flood of logins into a flood of publishes.
constexpr std::uint32_t kIdSendsAtOnce = 4;
constexpr Duration kMinIdResendInterval = std::chrono::seconds(1);
}  // namespace

void Issuer::on_login(std::string_view payload, TimePoint now) {
    ++counts_.logins;
    const auto refuse = [&](std::string reason) { refuse_login(payload, std::move(reason), now); };
    if (auto why = check_payload(payload)) return refuse(*why);
    if (auto why = check_user_id(payload)) return refuse(*why);

    const std::string user_id(payload);
    const auto found = by_user_id_.find(user_id);
    if (found != by_user_id_.end() && !sessions_.at(found->second).has_sent_commands()) {
        ServerSession& previous = sessions_.at(found->second);
        // A held ID goes out once announced; sending it now would defeat the hold.
        if (previous.announced() && (previous.id_sent_count() < kIdSendsAtOnce ||
                                     now >= previous.id_sent_at() + kMinIdResendInterval)) {
            previous.resend_id(now, outbox_);
        }
        outbox_.record(server_event::SessionIssued{user_id, previous.session_id(), true});
        return;
    }
    // Checked after the repeat above, which creates nothing, and before a running session is
    // abandoned for a new one that would not be allowed to start.
    if (draining_) return refuse("the server is shutting down and takes no new sessions");
    if (!hold_reason_.empty()) return refuse(hold_reason_);
    auto session_id = new_session_id(user_id);
    if (!session_id) return refuse(session_id.error());
    if (found != by_user_id_.end()) {
        const std::uint64_t previous = found->second;
        sessions_.at(previous).end(SessionOutcome::kAbandoned, "the same user ID logged in again",
                                   now, outbox_);
        retire(previous, now);
    }
    if (policy_.max_sessions != 0 && sessions_.size() >= policy_.max_sessions &&
        !evict_unanswered(now)) {
        return refuse("the server is at its limit of " + std::to_string(policy_.max_sessions) +
                      " sessions in flight");
    }
    const std::uint64_t serial = next_serial_++;
    if (pool_) pool_->mark_used(session_id.value());
    auto [it, inserted] = sessions_.try_emplace(serial, user_id, std::move(session_id.value()), now,
                                                policy_, *random_);
    const ServerSession& session = it->second;
    by_session_id_.emplace(session.session_id(), serial);
    by_user_id_.emplace(user_id, serial);
    // The broker handles our packets in order: the reply subscription is in place before the
    // device can learn the session ID, so no reply can slip past it.
    subscribe_replies(session.session_id(), false);
    // The ID waits for announce(): the caller first makes the session durable and grants its
    // topics to its student.
    outbox_.record(server_event::SessionIssued{user_id, session.session_id(), false});
}

void Issuer::refuse_login(std::string_view user_id, std::string reason, TimePoint now) {
    ++counts_.logins_refused;
    if (refusal_window_start_ == kNever || now >= refusal_window_start_ + kTallyWindow) {
        flush_refusal_tally(now, true);
        refusal_window_start_ = now;
        refusals_recorded_in_window_ = 0;
    }
    if (refusals_recorded_in_window_ < policy_.refused_logins_recorded_per_second) {
        ++refusals_recorded_in_window_;
        // With feedback the student hears why, after the refusal's row like every verdict. A
        // user ID that is no valid topic level cannot be told; a tallied flood is not told.
        const bool tell = policy_.feedback && !check_user_id(user_id);
        const std::string told = tell ? encode_login_refusal(reason) : std::string();
        outbox_.record(server_event::LoginRefused{user_id, std::move(reason)});
        if (tell) outbox_.publish(result_topic(user_id), told, kResultQos);
        return;
    }
    if (refusal_tally_.size() >= kMaxTalliedReasons && !refusal_tally_.contains(reason)) {
        reason = kVariousReasons;
    }
    RefusalTally& tally = refusal_tally_[reason];
    if (tally.count == 0) {
        tally.user_id = user_id;
    } else if (!tally.several_users && tally.user_id != user_id) {
        tally.several_users = true;
        tally.user_id.clear();
    }
    ++tally.count;
}

void Issuer::flush_refusal_tally(TimePoint now, bool window_over) {
    if (!window_over &&
        (refusal_window_start_ == kNever || now < refusal_window_start_ + kTallyWindow)) {
        return;
    }
    for (auto& [reason, tally] : refusal_tally_) {
        outbox_.record(server_event::LoginRefused{tally.user_id, reason, tally.count});
    }
    refusal_tally_.clear();
}

bool Issuer::record_stray_reply(TimePoint now) {
    if (stray_window_start_ == kNever || now >= stray_window_start_ + kTallyWindow) {
        flush_stray_tally();
        stray_window_start_ = now;
        strays_recorded_in_window_ = 0;
    }
    if (strays_recorded_in_window_ < policy_.stray_replies_recorded_per_second) {
        ++strays_recorded_in_window_;
        return true;
    }
    ++strays_counted_in_window_;
    return false;
}

void Issuer::flush_stray_tally() {
    if (strays_counted_in_window_ == 0) return;
    outbox_.record(server_event::MessageIgnored{
        "+/+", std::to_string(strays_counted_in_window_) +
                   " more replies to sessions unknown or ended within a second: counted, not "
                   "recorded one by one"});
    strays_counted_in_window_ = 0;
}

bool Issuer::evict_unanswered(TimePoint now) {
    while (!awaiting_answer_.empty()) {
        const auto [since, serial] = awaiting_answer_.front();
        const auto found = sessions_.find(serial);
        if (found == sessions_.end() || found->second.summary().correct > 0) {
            awaiting_answer_.pop_front();
            continue;
        }
        const Duration waited = now - since;
        if (waited < policy_.unanswered_evictable_after) return false;
        awaiting_answer_.pop_front();
        ServerSession& session = found->second;
        const auto tenths =
            std::chrono::duration_cast<std::chrono::milliseconds>(waited).count() / 100;
        session.end(SessionOutcome::kTimedOut,
                    "no answer to any of its " + std::to_string(session.summary().commands) +
                        " commands after " + std::to_string(tenths / 10) + "." +
                        std::to_string(tenths % 10) + " s, while the server was at its limit of " +
                        std::to_string(policy_.max_sessions) +
                        " sessions in flight: ended to make room for a new login",
                    now, outbox_);
        retire(serial, now);
        return true;
    }
    return false;
}

void Issuer::note_running(std::uint64_t serial, TimePoint now) {
    awaiting_answer_.emplace_back(now, serial);
}

void Issuer::on_reply(std::string_view topic, std::string_view payload, int qos, TimePoint now) {
    const std::size_t slash = topic.find('/');
    if (slash == std::string_view::npos) {
        return outbox_.record(server_event::MessageIgnored{topic, "not a reply topic"});
    }
    const std::string_view session_id = topic.substr(0, slash);
    const std::string_view command = topic.substr(slash + 1);
    // Our own session-ID announcements come back through the `+/+` subscription.
    if (command == kSessionIdSuffix.substr(1)) return;
    // So do the verdicts of `--feedback` (ours or another server's), on `<user ID>/result`.
    if (command == kResultSuffix.substr(1) && !by_session_id_.contains(std::string(session_id))) {
        return;
    }
    if (auto why = check_payload(payload)) {
        return outbox_.record(server_event::MessageIgnored{topic, "reply " + *why});
    }
    ++counts_.replies;
    const std::string key(session_id);
    const auto found = by_session_id_.find(key);
    if (found == by_session_id_.end()) {
        const Verdict verdict =
            ended_.contains(key) ? Verdict::kAfterEnd : Verdict::kUnknownSession;
        if (record_stray_reply(now)) {
            outbox_.record(
                server_event::ReplyChecked{session_id, command, payload, qos, verdict, {}});
        }
        return;
    }
    const std::uint64_t serial = found->second;
    ServerSession& session = sessions_.at(serial);
    const TimePoint deadline_before = session.deadline();
    session.on_reply(command, payload, qos, now, policy_, outbox_);
    if (session.state() == ServerSession::State::kEnded) {
        retire(serial, now);
    } else if (session.deadline() != deadline_before) {
        schedule(serial, session);
    }
}

void Issuer::on_timer(TimePoint now) {
    while (!wakeups_.empty() && wakeups_.top().at <= now) {
        const Wakeup wakeup = wakeups_.top();
        wakeups_.pop();
        const auto found = sessions_.find(wakeup.serial);
        // Entries whose session ended or moved its deadline are stale; skip them.
        if (found == sessions_.end() || found->second.deadline() != wakeup.at) continue;
        ServerSession& session = found->second;
        const bool was_issued = session.state() == ServerSession::State::kIssued;
        session.on_timer(now, policy_, outbox_);
        if (session.state() == ServerSession::State::kEnded) {
            retire(wakeup.serial, now);
        } else {
            if (was_issued) note_running(wakeup.serial, now);
            schedule(wakeup.serial, session);
        }
    }
    // Entries of sessions answered or ended since leave the front; the rest wait for a login.
    while (!awaiting_answer_.empty()) {
        const auto found = sessions_.find(awaiting_answer_.front().second);
        if (found != sessions_.end() && found->second.summary().correct == 0) break;
        awaiting_answer_.pop_front();
    }
    flush_refusal_tally(now, false);
    if (stray_window_start_ != kNever && now >= stray_window_start_ + kTallyWindow) {
        flush_stray_tally();
    }
    forget_expired(now);
    disconnect_if_drained();
}

bool Issuer::announce(std::string_view session_id, TimePoint now) {
    const auto found = by_session_id_.find(std::string(session_id));
    if (found == by_session_id_.end()) return false;
    ServerSession& session = sessions_.at(found->second);
    if (session.announced()) return false;
    session.announce(now, policy_, outbox_);
    outbox_.record(server_event::SessionAnnounced{session.user_id(), session.session_id()});
    schedule(found->second, session);
    return true;
}

bool Issuer::withdraw(std::string_view session_id, std::string reason, TimePoint now) {
    const auto found = by_session_id_.find(std::string(session_id));
    if (found == by_session_id_.end()) return false;
    const std::uint64_t serial = found->second;
    ServerSession& session = sessions_.at(serial);
    if (session.announced()) return false;
    session.end(SessionOutcome::kFailed, std::move(reason), now, outbox_);
    retire(serial, now);
    disconnect_if_drained();
    return true;
}

Result<bool> Issuer::restore(const RestoredSession& restored, TimePoint now) {
    // A restored session publishes and runs timers like any other, and nothing may be issued
    // after a stop (a stop can come before the first connection, which restores).
    if (stopped_) return Error{"the server stopped before it could restore the session"};
    if (auto why = check_user_id(restored.user_id)) return Error{"user ID " + *why};
    // Only a damaged ledger could hold such an ID, and it would be published as a topic.
    if (auto why = check_session_id(restored.session_id)) return Error{*why};
    if (by_session_id_.contains(restored.session_id) || ended_.contains(restored.session_id)) {
        return Error{"session " + restored.session_id + " is known already"};
    }
    if (by_user_id_.contains(restored.user_id)) {
        return Error{"user " + restored.user_id + " has another session in flight"};
    }
    if (pool_) pool_->mark_used(restored.session_id);
    const std::uint64_t serial = next_serial_++;
    auto [it, inserted] = sessions_.try_emplace(serial, restored.user_id, restored.session_id, now,
                                                policy_, *random_);
    ServerSession& session = it->second;
    by_session_id_.emplace(session.session_id(), serial);
    by_user_id_.emplace(session.user_id(), serial);
    auto done = session.restore(restored, now, policy_, outbox_);
    if (!done) {
        by_session_id_.erase(restored.session_id);
        by_user_id_.erase(restored.user_id);
        sessions_.erase(serial);
        return done;
    }
    if (session.state() == ServerSession::State::kEnded) {
        retire(serial, now);
    } else {
        if (session.has_sent_commands()) note_running(serial, now);
        schedule(serial, session);
    }
    return true;
}

void Issuer::remember_ended(const EndedSession& ended, TimePoint now) {
    // No reply can name a session ID that is not one, and its end cannot be published.
    if (check_session_id(ended.session_id)) return;
    if (ended.end_undelivered && !by_session_id_.contains(ended.session_id)) {
        outbox_.publish(ended.session_id, kWellDone, kMaxQos);
    }
    if (ended.ago >= policy_.ended_retention || by_session_id_.contains(ended.session_id)) return;
    const TimePoint at = now - std::max(ended.ago, Duration::zero());
    ended_.insert_or_assign(ended.session_id, at);
    // forget_expired() reads the oldest end first, so keep the order by time.
    const auto later =
        std::upper_bound(ended_order_.begin(), ended_order_.end(), at,
                         [](TimePoint value, const auto& entry) { return value < entry.first; });
    ended_order_.emplace(later, at, ended.session_id);
}

void Issuer::hold_logins(std::string reason) {
    hold_reason_ = std::move(reason);
}

void Issuer::resume_logins() {
    hold_reason_.clear();
}

void Issuer::drain() {
    if (draining_) return;
    draining_ = true;
    // In a shared group the broker then hands new logins to the other servers. Alone, we
    // keep hearing them, so that each refused login is recorded with its reason.
    if (shares_logins()) outbox_.unsubscribe(policy_.login_subscription);
    disconnect_if_drained();
}

void Issuer::stop(TimePoint now, std::string_view reason) {
    if (stopped_) return;
    stopped_ = true;
    draining_ = true;
    std::vector<std::uint64_t> serials;
    serials.reserve(sessions_.size());
    for (const auto& [serial, session] : sessions_) serials.push_back(serial);
    for (const std::uint64_t serial : serials) {
        sessions_.at(serial).end(SessionOutcome::kInterrupted, std::string(reason), now, outbox_);
        retire(serial, now);
    }
    flush_refusal_tally(now, true);
    flush_stray_tally();
    disconnect_if_drained();
}

void Issuer::disconnect_if_drained() {
    if (!drained() || disconnect_sent_) return;
    disconnect_sent_ = true;
    outbox_.disconnect();
}

TimePoint Issuer::next_deadline() const {
    TimePoint next = wakeups_.empty() ? kNever : wakeups_.top().at;
    if (!refusal_tally_.empty() && refusal_window_start_ + kTallyWindow < next) {
        next = refusal_window_start_ + kTallyWindow;
    }
    if (strays_counted_in_window_ != 0 && stray_window_start_ + kTallyWindow < next) {
        next = stray_window_start_ + kTallyWindow;
    }
    if (!ended_order_.empty()) {
        const TimePoint forget_at = ended_order_.front().first + policy_.ended_retention;
        if (forget_at < next) next = forget_at;
    }
    return next;
}

Result<std::string> Issuer::new_session_id(std::string_view user_id) {
    if (pool_) return pool_->next(user_id);
    std::string id = make_uuid_v4(*random_);
    while (by_session_id_.contains(id) || ended_.contains(id)) id = make_uuid_v4(*random_);
    return id;
}

void Issuer::schedule(std::uint64_t serial, const ServerSession& session) {
    if (session.deadline() != kNever) wakeups_.push({session.deadline(), serial});
}

void Issuer::retire(std::uint64_t serial, TimePoint now) {
    const auto found = sessions_.find(serial);
    if (found == sessions_.end()) return;
    const ServerSession& session = found->second;
    if (policy_.replies == ReplySubscription::kPerSession) {
        // Replies that were already on their way still arrive and count as after the end.
        outbox_.unsubscribe(session.session_id() + "/+");
    }
    count_outcome(session);
    counts_.commands += session.summary().commands;
    by_session_id_.erase(session.session_id());
    if (const auto user = by_user_id_.find(session.user_id());
        user != by_user_id_.end() && user->second == serial) {
        by_user_id_.erase(user);
    }
    ended_.insert_or_assign(session.session_id(), now);
    ended_order_.emplace_back(now, session.session_id());
    sessions_.erase(found);
}

void Issuer::forget_expired(TimePoint now) {
    while (!ended_order_.empty() && ended_order_.front().first + policy_.ended_retention <= now) {
        ended_.erase(ended_order_.front().second);
        ended_order_.pop_front();
    }
}

void Issuer::count_outcome(const ServerSession& session) {
    if (session.summary().outcome == SessionOutcome::kPassed) {
        ++counts_.passed;
    } else {
        ++counts_.failed;
    }
}

}  // namespace cmdlink::core
