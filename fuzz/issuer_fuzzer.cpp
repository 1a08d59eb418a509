// core::Issuer fed a sequence of inputs decoded from the fuzz input (logins, replies, other
// messages, SUBACKs, timers with time moving on, announce, withdraw, restore, drain, stop),
// its outbox carried out after each input as its call contract says (issuer.hpp), with a
// model of what PROTOCOL.md and the contract allow checked against every action and event.
#include <fuzzer/FuzzedDataProvider.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/issuer.hpp"
#include "core/protocol.hpp"
#include "core/text_checks.hpp"
#include "core/uuid.hpp"
#include "fuzz_support.hpp"

namespace {

namespace core = cmdlink::core;
namespace event = cmdlink::core::server_event;
using cmdlink::fuzz::require;
using core::MqttAction;
using core::TimePoint;
using std::chrono::milliseconds;

constexpr std::size_t kMaxSteps = 256;

core::ServerPolicy draw_policy(FuzzedDataProvider& in) {
    core::ServerPolicy policy;
    if (in.ConsumeBool()) {
        policy.table = core::CommandTable::parse("A x\nB = \"y y\"\n").value();
    }
    policy.delay = milliseconds(in.ConsumeIntegralInRange(0, 5000));
    policy.min_commands = in.ConsumeIntegralInRange<std::uint32_t>(0, 4);
    policy.max_commands = policy.min_commands + in.ConsumeIntegralInRange<std::uint32_t>(0, 4);
    const int qos = in.ConsumeIntegralInRange(0, 3);
    policy.qos = qos == 3 ? std::nullopt : std::optional<int>(qos);
    policy.pacing = in.ConsumeBool() ? core::Pacing::kLockstep : core::Pacing::kBurst;
    policy.session_timeout = policy.delay + milliseconds(in.ConsumeIntegralInRange(1, 20000));
    policy.strict = in.ConsumeBool();
    policy.max_sessions = in.ConsumeIntegralInRange<std::size_t>(0, 3);
    if (in.ConsumeBool()) policy.login_subscription = "$share/group/login";
    policy.replies = in.ConsumeBool() ? core::ReplySubscription::kPerSession
                                      : core::ReplySubscription::kWildcard;
    policy.ended_retention = milliseconds(in.ConsumeIntegralInRange(1, 600000));
    // Beyond the flood bounds, logins and replies are counted, not answered one by one; no
    // run of inputs reaches these, so every one of them must be answered exactly once (the
    // bounds themselves are unit-tested: tests/core/issuer_test.cpp, IssuerUnderAbuse).
    policy.surplus_replies_recorded = kMaxSteps + 1;
    policy.refused_logins_recorded_per_second = kMaxSteps + 1;
    policy.stray_replies_recorded_per_second = kMaxSteps + 1;
    return policy;
}

// What the model knows of one session ID the Issuer made or was given.
struct Tracked {
    std::string user_id;
    bool restored = false;
    bool may_publish_id = false;  // announce() said yes, or it was restored
    bool announced_event = false;
    bool ended = false;
    bool well_done = false;
    TimePoint announced_at{};
    std::uint32_t commands = 0;
};

// How the events of one input are counted, to check that each message got one answer.
struct Tally {
    int login_answers = 0;  // SessionIssued or LoginRefused
    int reply_answers = 0;  // ReplyChecked or MessageIgnored
    int ready = 0;
    int refused = 0;
};

class IssuerDriver {
  public:
    IssuerDriver(FuzzedDataProvider& in, core::ServerPolicy policy, std::uint64_t seed)
        : in_(in), random_(seed), issuer_(make(std::move(policy), random_)) {}

    void run() {
        if (in_.ConsumeBool()) use_pool();
        for (std::size_t step = 0; step < kMaxSteps && in_.remaining_bytes() > 0; ++step) {
            one_step();
        }
        run_clock_out();
        stop();
        for (const auto& [id, tracked] : sessions_) {
            require(tracked.ended, "a session that never ended");
        }
        require(issuer_.active_sessions() == 0, "sessions in flight after stop");
        require(disconnected_, "no disconnect after stop");
    }

  private:
    static core::Issuer make(core::ServerPolicy policy, core::RandomSource& random) {
        auto issuer = core::Issuer::create(std::move(policy), random);
        require(issuer.ok(), "a valid policy refused");
        return std::move(issuer.value());
    }

    const core::ServerPolicy& policy() { return issuer_.policy(); }

    void use_pool() {
        std::vector<core::PooledSessionId> entries;
        for (const char* user : {"u1", "u2"}) {
            for (int i = 0; i < 2; ++i) {
                const std::string id = core::make_uuid_v4(random_);
                entries.push_back({user, id});
                pool_[user].insert(id);
            }
        }
        auto pool = core::SessionPool::create(entries);
        require(pool.ok(), "a pool of UUIDs refused");
        issuer_.use_session_pool(std::move(pool.value()));
        pooled_ = true;
    }

    std::string pick_user() {
        switch (in_.ConsumeIntegralInRange(0, 4)) {
            case 0:
                return "u1";
            case 1:
                return "u2";
            case 2:
                return "u3";
            case 3:
                return "12345";
            default:
                return in_.ConsumeRandomLengthString(16);
        }
    }

    std::string pick_session_id() {
        if (!known_ids_.empty() && in_.ConsumeIntegralInRange(0, 7) != 0) {
            return known_ids_[in_.ConsumeIntegralInRange<std::size_t>(0, known_ids_.size() - 1)];
        }
        return in_.ConsumeBool() ? core::make_uuid_v4(random_) : in_.ConsumeRandomLengthString(40);
    }

    std::string pick_command() {
        const auto& table = policy().table;
        if (in_.ConsumeIntegralInRange(0, 7) != 0) {
            return table.at(in_.ConsumeIntegralInRange<std::size_t>(0, table.size() - 1)).command;
        }
        return in_.ConsumeRandomLengthString(12);
    }

    std::string pick_word(std::string_view command) {
        const auto index = policy().table.find(command);
        if (index && in_.ConsumeIntegralInRange(0, 5) != 0) return policy().table.at(*index).reply;
        return in_.ConsumeRandomLengthString(12);
    }

    int pick_qos() { return in_.ConsumeIntegralInRange(0, 2); }

    void one_step() {
        Tally tally;
        const int input = in_.ConsumeIntegralInRange(0, 13);
        cmdlink::fuzz::trace("input ", std::to_string(input), " stopped ",
                             issuer_.stopped() ? "yes" : "no");
        switch (input) {
            case 0:
                if (!started_) restore_one();
                return;
            case 1:
                if (!started_) {
                    issuer_.remember_ended(
                        {pick_session_id(), milliseconds(in_.ConsumeIntegralInRange(-10, 900000))},
                        now_);
                    carry_out(tally);
                }
                return;
            case 2:
                started_ = true;
                // start() after stop() subscribes nothing and, as written, sends no second
                // disconnect either: the first went out with the stop.
                if (!issuer_.stopped()) disconnected_ = false;
                subscribed_since_start_.clear();
                issuer_.start();
                carry_out(tally);
                require(tally.ready <= 1, "Ready twice for one start()");
                return;
            case 3:
                return suback(tally);
            case 4:
            case 5:
            case 6:
                return login(tally);
            case 7:
            case 8:
                return reply(tally);
            case 9: {
                const std::string topic = in_.ConsumeRandomLengthString(40);
                const std::string payload = in_.ConsumeRandomLengthString(40);
                issuer_.on_message(topic, payload, pick_qos(), now_, in_.ConsumeBool());
                return carry_out(tally);
            }
            case 10:
                return timer(tally);
            case 11:
                announce(pick_session_id());
                return carry_out(tally);
            case 12: {
                const std::string id = pick_session_id();
                const bool withdrawn = issuer_.withdraw(id, "the grant was refused", now_);
                const auto found = sessions_.find(id);
                require(!withdrawn || (found != sessions_.end() && !found->second.may_publish_id),
                        "withdrew a session that was announced or unknown");
                return carry_out(tally);
            }
            default:
                if (in_.ConsumeBool()) {
                    issuer_.drain();
                    carry_out(tally);
                } else {
                    stop();
                }
                return;
        }
    }

    void restore_one() {
        core::RestoredSession restored;
        restored.user_id = pick_user();
        restored.session_id = in_.ConsumeBool() ? core::make_uuid_v4(random_) : pick_session_id();
        const int sent = in_.ConsumeIntegralInRange(0, 4);
        for (int i = 0; i < sent; ++i) {
            restored.sent.push_back({pick_command(), in_.ConsumeIntegralInRange(-1, 3),
                                     milliseconds(in_.ConsumeIntegralInRange(-100, 60000))});
        }
        const int answers = in_.ConsumeIntegralInRange(0, 4);
        for (int i = 0; i < answers; ++i) {
            restored.answers.push_back({pick_command(), pick_qos(), milliseconds(0)});
        }
        // A session ID that cannot be a topic (only a damaged ledger holds one) is refused.
        if (core::check_session_id(restored.session_id)) {
            const auto done = issuer_.restore(restored, now_);
            require(!done.ok() && !done.error().empty(),
                    "a session ID that cannot be a topic was restored, or refused silently");
            Tally tally;
            carry_out(tally);
            return;
        }
        // An ended session's ID is forgotten after its retention and could then be restored
        // again, which a ledger never asks for.
        const auto known = sessions_.find(restored.session_id);
        if (known != sessions_.end() && known->second.ended) return;
        const bool fresh = known == sessions_.end();
        // The model learns of the session before the batch, which may end it at once.
        if (fresh) {
            sessions_[restored.session_id] = {
                .user_id = restored.user_id, .restored = true, .may_publish_id = true};
        }
        const auto done = issuer_.restore(restored, now_);
        require(done.ok() || !done.error().empty(), "a restore refused without a reason");
        if (!done.ok()) {
            if (fresh) sessions_.erase(restored.session_id);
        } else {
            require(fresh, "a session restored twice");
            known_ids_.push_back(restored.session_id);
        }
        Tally tally;
        carry_out(tally);
    }

    void suback(Tally& tally) {
        std::string topic;
        if (!subscribed_since_start_.empty() && in_.ConsumeBool()) {
            topic = subscribed_since_start_[in_.ConsumeIntegralInRange<std::size_t>(
                0, subscribed_since_start_.size() - 1)];
        } else {
            topic = in_.ConsumeRandomLengthString(20);
        }
        const int granted = in_.ConsumeIntegralInRange(0, 8) == 0 ? 0x80 : pick_qos();
        issuer_.on_subscribed(topic, granted, now_);
        carry_out(tally);
        if (granted > 2 && !stopped_) {
            require(issuer_.stopped(), "a refused subscription did not stop the server");
            require(tally.refused == 1, "a refused subscription not reported once");
            stopped_ = true;
        }
    }

    void login(Tally& tally) {
        const std::string user = pick_user();
        const bool retained = in_.ConsumeIntegralInRange(0, 15) == 0;
        issuer_.on_message(core::kLoginTopic, user, pick_qos(), now_, retained);
        carry_out(tally);
        require(tally.login_answers == (retained ? 0 : 1), "a login not answered exactly once");
    }

    void reply(Tally& tally) {
        const std::string id = pick_session_id();
        const std::string command = pick_command();
        const std::string word = pick_word(command);
        const bool retained = in_.ConsumeIntegralInRange(0, 15) == 0;
        const std::string topic = id + "/" + command;
        issuer_.on_message(topic, word, pick_qos(), now_, retained);
        carry_out(tally);
        const bool echo = topic.substr(topic.find('/') + 1) == "UUID";
        require(tally.reply_answers == (echo && !retained ? 0 : 1),
                "a reply not answered exactly once");
    }

    void timer(Tally& tally) {
        if (in_.ConsumeBool() && issuer_.next_deadline() != core::kNever) {
            now_ = std::max(now_, issuer_.next_deadline());
        } else {
            now_ += milliseconds(in_.ConsumeIntegralInRange(0, 40000));
        }
        issuer_.on_timer(now_);
        carry_out(tally);
    }

    // What an observer does once a session is recorded; also called while a batch is being
    // carried out, whose views must stay valid.
    void announce(const std::string& id) {
        const auto found = sessions_.find(id);
        const bool could =
            found != sessions_.end() && !found->second.ended && !found->second.may_publish_id;
        if (could) {
            found->second.may_publish_id = true;
            found->second.announced_at = now_;
        }
        const bool announced = issuer_.announce(id, now_);
        require(announced == could, "announce() disagrees with the model");
    }

    void stop() {
        Tally tally;
        issuer_.stop(now_, "the fuzzer stopped it");
        stopped_ = true;
        carry_out(tally);
        require(issuer_.stopped() && issuer_.active_sessions() == 0, "sessions survived stop");
        for (const auto& [id, tracked] : sessions_) {
            require(tracked.ended, "a session that stop() did not end");
        }
    }

    // Time runs on to each deadline: every announced session ends, by its plan or its timeout.
    void run_clock_out() {
        for (std::size_t turn = 0; turn < 4096; ++turn) {
            const TimePoint next = issuer_.next_deadline();
            if (next == core::kNever) break;
            now_ = std::max(now_, next);
            issuer_.on_timer(now_);
            Tally tally;
            carry_out(tally);
        }
        for (const auto& [id, tracked] : sessions_) {
            require(tracked.ended || !tracked.may_publish_id,
                    "an announced session outlived every deadline");
        }
    }

    // The caller's side of the contract: take the outbox until it stays empty, carrying each
    // batch out in order; an observer may call inputs again meanwhile.
    void carry_out(Tally& tally) {
        for (int rounds = 0; !issuer_.outbox().empty(); ++rounds) {
            require(rounds < 64, "the outbox never stays empty");
            const bool stopped_before = issuer_.stopped();
            issuer_.outbox().take_into(batch_);
            for (const auto& entry : batch_.entries()) {
                if (const auto* action = std::get_if<MqttAction>(&entry)) {
                    check_action(*action, stopped_before);
                } else {
                    check_event(std::get<core::ServerEvent>(entry), tally);
                }
            }
        }
        check_after_input();
    }

    void check_action(const MqttAction& action, bool stopped_before) {
        cmdlink::fuzz::trace("  action ", std::to_string(static_cast<int>(action.kind)), " ",
                             action.topic, " ", action.payload, " qos ",
                             std::to_string(action.qos));
        switch (action.kind) {
            case MqttAction::Kind::kDisconnect:
                disconnected_ = true;
                return;
            case MqttAction::Kind::kUnsubscribe:
                return;
            case MqttAction::Kind::kSubscribe:
                require(!stopped_before, "a subscription after stop");
                require(action.qos == core::kMaxQos, "a subscription below QoS 2");
                subscribed_since_start_.emplace_back(action.topic);
                return;
            case MqttAction::Kind::kPublish:
                require(!stopped_before, "a publish after stop");
                return check_publish(action);
        }
    }

    void check_publish(const MqttAction& action) {
        if (action.topic.ends_with(core::kSessionIdSuffix)) {
            const auto found = sessions_.find(std::string(action.payload));
            require(found != sessions_.end(), "published a session ID it never issued");
            const Tracked& tracked = found->second;
            require(core::session_id_topic(tracked.user_id) == action.topic,
                    "a session ID published to another user");
            require(tracked.may_publish_id, "a session ID published before announce()");
            require(!tracked.ended, "a session ID published after its session ended");
            require(action.qos == core::kMaxQos, "a session ID below QoS 2");
            return;
        }
        const auto found = sessions_.find(std::string(action.topic));
        require(found != sessions_.end(), "a publish to a topic that is no session");
        Tracked& tracked = found->second;
        require(!tracked.ended, "a publish to a session that ended");
        require(tracked.may_publish_id, "a publish to a session not announced");
        require(!tracked.well_done, "a publish after the final message");
        if (action.payload == core::kWellDone) {
            tracked.well_done = true;
            require(action.qos == core::kMaxQos, "the final message below QoS 2");
            return;
        }
        require(policy().table.find(action.payload).has_value(), "a command not in the table");
        if (tracked.restored) return;
        require(now_ >= tracked.announced_at + policy().delay, "a command before the delay");
        if (policy().qos) require(action.qos == *policy().qos, "a command at another QoS");
    }

    void check_event(const core::ServerEvent& any, Tally& tally) {
        cmdlink::fuzz::trace("  event ", std::to_string(any.index()));
        if (const auto* issued = std::get_if<event::SessionIssued>(&any)) {
            ++tally.login_answers;
            const std::string id(issued->session_id);
            if (issued->repeated) {
                const auto found = sessions_.find(id);
                require(found != sessions_.end() && !found->second.ended &&
                            found->second.user_id == issued->user_id,
                        "a repeated login answered with another session");
                return;
            }
            require(!issuer_.stopped(), "a session issued after stop");
            require(!sessions_.contains(id), "a session ID issued twice");
            require(!core::check_user_id(issued->user_id), "a session for an invalid user ID");
            if (pooled_) {
                require(pool_[std::string(issued->user_id)].contains(id),
                        "a session ID outside the user's pool");
            } else {
                require(core::is_uuid_v4(id), "a session ID that is no UUID v4");
            }
            sessions_[id] = {.user_id = std::string(issued->user_id)};
            known_ids_.push_back(id);
            if (in_.ConsumeBool()) announce(id);
        } else if (std::holds_alternative<event::LoginRefused>(any)) {
            ++tally.login_answers;
        } else if (const auto* announced = std::get_if<event::SessionAnnounced>(&any)) {
            const auto found = sessions_.find(std::string(announced->session_id));
            require(found != sessions_.end(), "an unknown session announced");
            require(found->second.may_publish_id, "a session announced without announce()");
            require(!found->second.announced_event, "a session announced twice");
            found->second.announced_event = true;
        } else if (const auto* sent = std::get_if<event::CommandSent>(&any)) {
            const auto found = sessions_.find(std::string(sent->session_id));
            require(found != sessions_.end() && !found->second.ended,
                    "a command for no session in flight");
            Tracked& tracked = found->second;
            if (!tracked.restored) {
                require(sent->index == tracked.commands, "commands not numbered in order");
                require(sent->index < policy().max_commands, "more commands than the policy");
            }
            ++tracked.commands;
        } else if (const auto* checked = std::get_if<event::ReplyChecked>(&any)) {
            ++tally.reply_answers;
            check_reply(*checked);
        } else if (const auto* ended = std::get_if<event::SessionEnded>(&any)) {
            check_end(ended->summary);
        } else if (std::holds_alternative<event::MessageIgnored>(any)) {
            ++tally.reply_answers;
        } else if (std::holds_alternative<event::Ready>(any)) {
            ++tally.ready;
        } else if (std::holds_alternative<event::SubscriptionRefused>(any)) {
            ++tally.refused;
        }
    }

    void check_reply(const event::ReplyChecked& checked) {
        const auto found = sessions_.find(std::string(checked.session_id));
        const bool active = found != sessions_.end() && !found->second.ended;
        const auto index = policy().table.find(checked.command);
        switch (checked.verdict) {
            case core::Verdict::kUnknownSession:
            case core::Verdict::kAfterEnd:
                require(!active, "a reply to a session in flight taken for unknown or ended");
                return;
            case core::Verdict::kCorrect:
            case core::Verdict::kLowQos:
                require(active && index && policy().table.at(*index).reply == checked.word,
                        "a reply accepted with the wrong word or for no session");
                return;
            case core::Verdict::kWrong:
                require(active && index && policy().table.at(*index).reply != checked.word,
                        "a right word judged wrong");
                return;
            case core::Verdict::kSurplus:
            case core::Verdict::kUnexpected:
                require(active, "a surplus reply for no session in flight");
                return;
        }
    }

    void check_end(const core::SessionSummary& summary) {
        const auto found = sessions_.find(std::string(summary.session_id));
        require(found != sessions_.end(), "an unknown session ended");
        Tracked& tracked = found->second;
        require(!tracked.ended, "a session ended twice");
        tracked.ended = true;
        ++ended_count_;
        const bool passed = summary.outcome == core::SessionOutcome::kPassed;
        require(passed == tracked.well_done, "passed without the final message, or failed with it");
        if (summary.outcome == core::SessionOutcome::kInterrupted) {
            require(issuer_.stopped(), "a session interrupted without a stop");
        }
        if (tracked.restored) return;
        require(
            summary.commands >= policy().min_commands && summary.commands <= policy().max_commands,
            "a plan outside the policy's range");
        if (passed) {
            require(summary.correct == summary.commands, "passed with a command unanswered");
            require(tracked.commands == summary.commands, "passed before every command was sent");
            if (policy().strict) {
                require(summary.low_qos == 0 && summary.surplus == 0,
                        "strict mode passed a low-QoS or surplus reply");
            }
        }
    }

    void check_after_input() {
        std::size_t in_flight = 0;
        for (const auto& [id, tracked] : sessions_) in_flight += tracked.ended ? 0 : 1;
        require(issuer_.active_sessions() == in_flight, "active_sessions() disagrees");
        const auto& counts = issuer_.counts();
        require(counts.passed + counts.failed == ended_count_, "counts disagree with the ends");
        if (issuer_.stopped()) require(in_flight == 0, "sessions in flight after stop");
        if (issuer_.drained() && started_) {
            require(disconnected_, "drained or stopped without a disconnect");
        }
    }

    FuzzedDataProvider& in_;
    cmdlink::fuzz::SeededRandom random_;
    core::Issuer issuer_;
    core::ServerOutbox batch_;
    TimePoint now_{std::chrono::hours(1)};
    std::map<std::string, Tracked> sessions_;
    std::vector<std::string> known_ids_;
    std::map<std::string, std::set<std::string>> pool_;
    std::vector<std::string> subscribed_since_start_;
    std::uint64_t ended_count_ = 0;
    bool pooled_ = false;
    bool started_ = false;
    bool stopped_ = false;
    bool disconnected_ = false;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    FuzzedDataProvider in(data, size);
    const auto seed = in.ConsumeIntegral<std::uint64_t>();
    core::ServerPolicy policy = draw_policy(in);
    IssuerDriver driver(in, std::move(policy), seed);
    driver.run();
    return 0;
}
