// One Issuer and a few ClientSessions back to back through a tiny in-memory broker: each
// party's packets take effect in order, each party's deliveries arrive in order, and the fuzz
// input chooses which party hears its next delivery, when time moves on, when the server's
// observer announces a session, reconnects, and faults: QoS 0 deliveries dropped, QoS 1
// deliveries duplicated (never a fault at QoS 2), a broker session lost, a timer that fires
// while messages are still on their way. Whatever happens, every session ends once on each
// side; with no drop, lost session or early timer every client passes, and so does its session.
#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/client_session.hpp"
#include "core/issuer.hpp"
#include "core/protocol.hpp"
#include "fuzz_support.hpp"

namespace {

namespace core = cmdlink::core;
using cmdlink::fuzz::require;
using core::MqttAction;
using core::TimePoint;
using std::chrono::milliseconds;

constexpr std::size_t kMaxSteps = 400;
constexpr std::size_t kServer = 0;  // parties: the server, then the clients

// MQTT topic filter matching: `+` one level, `#` the rest; `$share/GROUP/` is the broker's.
bool matches(std::string_view filter, std::string_view topic) {
    if (filter.starts_with(core::kSharedPrefix)) {
        filter.remove_prefix(core::kSharedPrefix.size());
        const std::size_t slash = filter.find('/');
        if (slash == std::string_view::npos) return false;
        filter.remove_prefix(slash + 1);
    }
    while (true) {
        const std::size_t f_end = filter.find('/');
        const std::size_t t_end = topic.find('/');
        const std::string_view f_level = filter.substr(0, f_end);
        const std::string_view t_level = topic.substr(0, t_end);
        if (f_level == "#") return true;
        if (f_level != "+" && f_level != t_level) return false;
        if (f_end == std::string_view::npos || t_end == std::string_view::npos) {
            return f_end == t_end;
        }
        filter.remove_prefix(f_end + 1);
        topic.remove_prefix(t_end + 1);
    }
}

struct Delivery {
    bool suback = false;
    std::string topic;
    std::string payload;
    int qos = 0;
};

struct Party {
    std::map<std::string, int> subscriptions;  // filter -> granted QoS
    std::deque<Delivery> inbox;
    bool gone = false;  // disconnected for good
};

struct ServerSide {
    std::string user_id;
    int ends = 0;
    core::SessionOutcome outcome = core::SessionOutcome::kFailed;
};

class Exchange {
  public:
    Exchange(FuzzedDataProvider& in, std::uint64_t seed) : in_(in), random_(seed) {
        core::ServerPolicy policy;
        policy.delay = milliseconds(in_.ConsumeIntegralInRange(0, 3000));
        policy.session_timeout = policy.delay + std::chrono::seconds(10);
        policy.min_commands = in_.ConsumeIntegralInRange<std::uint32_t>(0, 3);
        policy.max_commands = policy.min_commands + in_.ConsumeIntegralInRange<std::uint32_t>(0, 5);
        const int qos = in_.ConsumeIntegralInRange(0, 3);
        policy.qos = qos == 3 ? std::nullopt : std::optional<int>(qos);
        policy.pacing = in_.ConsumeBool() ? core::Pacing::kLockstep : core::Pacing::kBurst;
        policy.strict = in_.ConsumeBool();
        if (in_.ConsumeBool()) policy.login_subscription = "$share/group/login";
        policy.replies = in_.ConsumeBool() ? core::ReplySubscription::kPerSession
                                           : core::ReplySubscription::kWildcard;
        policy.ended_retention = std::chrono::seconds(60);
        policy.feedback = in_.ConsumeBool();
        feedback_ = policy.feedback;
        auto issuer = core::Issuer::create(std::move(policy), random_);
        require(issuer.ok(), "a valid policy refused");
        issuer_.emplace(std::move(issuer.value()));

        const auto clients = in_.ConsumeIntegralInRange<std::size_t>(1, 4);
        parties_.resize(clients + 1);
        for (std::size_t i = 0; i < clients; ++i) {
            core::ClientOptions options;
            options.user_id = "s" + std::to_string(i + 1);
            options.login_qos = in_.ConsumeIntegralInRange(0, 2);
            options.login_timeout = std::chrono::seconds(10);
            options.idle_timeout = std::chrono::seconds(30);
            options.hear_verdict = feedback_ && in_.ConsumeBool();
            auto client = core::ClientSession::create(std::move(options));
            require(client.ok(), "a valid client refused");
            clients_.push_back(std::move(client.value()));
            outcomes_.emplace_back();
        }
        strict_ = issuer_->policy().strict;
    }

    void run() {
        issuer_->start();
        carry_out_server();
        for (std::size_t i = 0; i < clients_.size(); ++i) {
            clients_[i].on_connected(false, now_);
            carry_out_client(i);
        }
        for (std::size_t step = 0; step < kMaxSteps && in_.remaining_bytes() > 0; ++step) {
            one_step();
        }
        faults_allowed_ = false;
        settle();
        check_outcomes();
    }

  private:
    void one_step() {
        switch (in_.ConsumeIntegralInRange(0, 9)) {
            case 0:
            case 1:
            case 2:
            case 3:
            case 4:
                deliver(in_.ConsumeIntegralInRange<std::size_t>(0, parties_.size() - 1));
                return;
            case 5:
            case 6: {
                // Time moves on, at most to the next deadline, so that one step never
                // skips over what a deadline would have set in motion.
                const TimePoint next = next_deadline();
                const TimePoint target = now_ + milliseconds(in_.ConsumeIntegralInRange(0, 800));
                now_ = std::min(target, std::max(now_, next));
                fire_timers();
                return;
            }
            case 7:
                if (!pending_announce_.empty()) {
                    const std::string id = pending_announce_.front();
                    pending_announce_.pop_front();
                    issuer_->announce(id, now_);
                    carry_out_server();
                }
                return;
            case 8: {
                // A reconnect: with the broker's session kept, or (a fault) lost with its
                // subscriptions and queued messages.
                const auto who = in_.ConsumeIntegralInRange<std::size_t>(0, parties_.size() - 1);
                const bool present = in_.ConsumeIntegralInRange(0, 3) != 0;
                if (parties_[who].gone) return;
                if (!present) {
                    session_lost_ = true;
                    parties_[who].subscriptions.clear();
                    parties_[who].inbox.clear();
                }
                if (who == kServer) {
                    issuer_->start();
                    carry_out_server();
                } else {
                    clients_[who - 1].on_connected(present, now_);
                    carry_out_client(who - 1);
                }
                return;
            }
            default:
                return;
        }
    }

    [[nodiscard]] bool traffic_pending() const {
        if (!pending_announce_.empty()) return true;
        return std::any_of(parties_.begin(), parties_.end(),
                           [](const Party& party) { return !party.inbox.empty(); });
    }

    [[nodiscard]] TimePoint next_deadline() const {
        TimePoint next = issuer_->next_deadline();
        for (const auto& client : clients_) next = std::min(next, client.next_deadline());
        return next;
    }

    void fire_timers() {
        if (next_deadline() <= now_ && traffic_pending()) early_timer_ = true;
        issuer_->on_timer(now_);
        carry_out_server();
        for (std::size_t i = 0; i < clients_.size(); ++i) {
            clients_[i].on_timer(now_);
            carry_out_client(i);
        }
    }

    void deliver(std::size_t who) {
        Party& party = parties_[who];
        if (party.inbox.empty()) return;
        const Delivery delivery = std::move(party.inbox.front());
        party.inbox.pop_front();
        if (party.gone) return;
        if (who == kServer) {
            if (delivery.suback) {
                issuer_->on_subscribed(delivery.topic, delivery.qos, now_);
            } else {
                issuer_->on_message(delivery.topic, delivery.payload, delivery.qos, now_);
            }
            carry_out_server();
            return;
        }
        core::ClientSession& client = clients_[who - 1];
        if (delivery.suback) {
            client.on_subscribed(delivery.topic, delivery.qos, now_);
        } else {
            if (delivery.topic == client.session_id() && delivery.payload != core::kWellDone) {
                ++commands_delivered_;
            }
            client.on_message(delivery.topic, delivery.payload, delivery.qos, now_);
        }
        carry_out_client(who - 1);
    }

    // The broker: a party's packets take effect at once and in order.
    void apply(std::size_t who, const MqttAction& action) {
        Party& party = parties_[who];
        switch (action.kind) {
            case MqttAction::Kind::kSubscribe:
                party.subscriptions[std::string(action.topic)] = std::min(action.qos, 2);
                party.inbox.push_back(
                    {true, std::string(action.topic), {}, std::min(action.qos, 2)});
                return;
            case MqttAction::Kind::kUnsubscribe:
                party.subscriptions.erase(std::string(action.topic));
                return;
            case MqttAction::Kind::kDisconnect:
                party.gone = true;
                party.inbox.clear();
                return;
            case MqttAction::Kind::kPublish:
                return route(action);
        }
    }

    void route(const MqttAction& action) {
        for (Party& party : parties_) {
            int granted = -1;
            for (const auto& [filter, qos] : party.subscriptions) {
                if (matches(filter, action.topic)) granted = std::max(granted, qos);
            }
            if (granted < 0 || party.gone) continue;
            const int qos = std::min(granted, action.qos);
            const Delivery delivery{false, std::string(action.topic), std::string(action.payload),
                                    qos};
            if (qos == 0 && faults_allowed_ && in_.ConsumeIntegralInRange(0, 7) == 0) {
                dropped_ = true;
                continue;
            }
            party.inbox.push_back(delivery);
            if (qos == 1 && faults_allowed_ && in_.ConsumeIntegralInRange(0, 7) == 0) {
                duplicated_ = true;
                party.inbox.push_back(delivery);
            }
        }
    }

    void carry_out_server() {
        for (int rounds = 0; !issuer_->outbox().empty(); ++rounds) {
            require(rounds < 64, "the server's outbox never stays empty");
            issuer_->outbox().take_into(server_batch_);
            for (const auto& entry : server_batch_.entries()) {
                if (const auto* action = std::get_if<MqttAction>(&entry)) {
                    apply(kServer, *action);
                } else {
                    on_server_event(std::get<core::ServerEvent>(entry));
                }
            }
        }
    }

    void on_server_event(const core::ServerEvent& any) {
        namespace event = core::server_event;
        if (const auto* issued = std::get_if<event::SessionIssued>(&any)) {
            if (issued->repeated) return;
            const std::string id(issued->session_id);
            require(!server_sessions_.contains(id), "a session ID issued twice");
            server_sessions_[id].user_id = std::string(issued->user_id);
            // The observer announces once the session is recorded: now, or a while later.
            if (faults_allowed_ && in_.ConsumeBool()) {
                pending_announce_.push_back(id);
            } else {
                require(issuer_->announce(id, now_), "a fresh session could not be announced");
            }
        } else if (const auto* announced = std::get_if<event::SessionAnnounced>(&any)) {
            require(announced_.insert(std::string(announced->session_id)).second,
                    "a session ID announced twice");
        } else if (const auto* ended = std::get_if<event::SessionEnded>(&any)) {
            ServerSide& side = server_sessions_[std::string(ended->summary.session_id)];
            require(++side.ends == 1, "a server session ended twice");
            side.outcome = ended->summary.outcome;
        } else if (const auto* checked = std::get_if<event::ReplyChecked>(&any)) {
            ++replies_checked_;
            if (checked->verdict != core::Verdict::kCorrect) all_replies_correct_ = false;
            if (checked->verdict == core::Verdict::kSurplus && checked->qos == core::kMaxQos &&
                !duplicated_ && !session_lost_) {
                fail_qos2_duplicate();
            }
        } else if (std::holds_alternative<event::LoginRefused>(any)) {
            login_refused_ = true;
        }
    }

    [[noreturn]] static void fail_qos2_duplicate() {
        cmdlink::fuzz::fail("a surplus reply at QoS 2 without any broker duplicate");
    }

    void carry_out_client(std::size_t index) {
        core::ClientSession& client = clients_[index];
        for (int rounds = 0; !client.outbox().empty(); ++rounds) {
            require(rounds < 8, "a client's outbox never stays empty");
            client.outbox().take_into(client_batch_);
            for (const auto& entry : client_batch_.entries()) {
                if (const auto* action = std::get_if<MqttAction>(&entry)) {
                    apply(index + 1, *action);
                } else if (const auto* finished = std::get_if<core::client_event::Finished>(
                               &std::get<core::ClientEvent>(entry))) {
                    require(!outcomes_[index].has_value(), "a client finished twice");
                    outcomes_[index] = finished->outcome;
                }
            }
        }
    }

    // No more faults: every delivery arrives, the observer announces, and time moves from
    // one deadline to the next while nothing is on its way.
    void settle() {
        for (int round = 0; round < 256; ++round) {
            for (std::size_t turns = 0; turns < 100000 && traffic_pending(); ++turns) {
                if (!pending_announce_.empty()) {
                    const std::string id = pending_announce_.front();
                    pending_announce_.pop_front();
                    issuer_->announce(id, now_);
                    carry_out_server();
                }
                for (std::size_t who = 0; who < parties_.size(); ++who) deliver(who);
            }
            require(!traffic_pending(), "the exchange never goes quiet");
            const bool all_done =
                std::all_of(outcomes_.begin(), outcomes_.end(),
                            [](const auto& outcome) { return outcome.has_value(); });
            const TimePoint next = next_deadline();
            if (all_done || next == core::kNever) break;
            now_ = std::max(now_, next);
            fire_timers();
        }
        issuer_->stop(now_, "the fuzzer stopped it");
        carry_out_server();
    }

    void check_outcomes() {
        for (const auto& [id, side] : server_sessions_) {
            require(side.ends == 1, "a server session without exactly one outcome");
        }
        for (std::size_t i = 0; i < clients_.size(); ++i) {
            require(outcomes_[i].has_value(), "a client without an outcome");
            // The server's verdict failed it: then its session failed on the server.
            if (outcomes_[i] != core::ClientOutcome::kFailed) continue;
            const auto found = server_sessions_.find(clients_[i].session_id());
            require(found != server_sessions_.end() &&
                        found->second.outcome != core::SessionOutcome::kPassed &&
                        found->second.outcome != core::SessionOutcome::kAbandoned,
                    "a client failed by a verdict its session did not get");
        }
        const bool faultless = !dropped_ && !session_lost_ && !early_timer_;
        cmdlink::fuzz::trace("exchange: clients ", std::to_string(clients_.size()), " faultless ",
                             faultless ? "yes" : "no", " duplicated ", duplicated_ ? "yes" : "no",
                             " commands ", std::to_string(commands_delivered_));
        if (!faultless || (strict_ && duplicated_)) return;
        require(!login_refused_, "a login refused in a faultless exchange");
        for (std::size_t i = 0; i < clients_.size(); ++i) {
            require(outcomes_[i] == core::ClientOutcome::kPassed,
                    "a client failed in an exchange without drops");
            const auto found = server_sessions_.find(clients_[i].session_id());
            require(found != server_sessions_.end() &&
                        found->second.outcome == core::SessionOutcome::kPassed,
                    "a passed client whose session did not pass on the server");
        }
        if (!duplicated_) {
            require(all_replies_correct_, "a reply judged other than correct without duplicates");
            require(replies_checked_ == commands_delivered_, "replies and commands do not match");
        }
    }

    FuzzedDataProvider& in_;
    cmdlink::fuzz::SeededRandom random_;
    std::optional<core::Issuer> issuer_;
    std::vector<core::ClientSession> clients_;
    std::vector<std::optional<core::ClientOutcome>> outcomes_;
    std::vector<Party> parties_;
    core::ServerOutbox server_batch_;
    core::ClientOutbox client_batch_;
    std::deque<std::string> pending_announce_;
    std::map<std::string, ServerSide> server_sessions_;
    std::set<std::string> announced_;
    TimePoint now_{std::chrono::hours(1)};
    std::uint64_t replies_checked_ = 0;
    std::uint64_t commands_delivered_ = 0;
    bool faults_allowed_ = true;
    bool strict_ = false;
    bool feedback_ = false;  // the policy's: clients may hear the verdicts
    bool dropped_ = false;
    bool duplicated_ = false;
    bool session_lost_ = false;
    bool early_timer_ = false;
    bool login_refused_ = false;
    bool all_replies_correct_ = true;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    FuzzedDataProvider in(data, size);
    Exchange exchange(in, in.ConsumeIntegral<std::uint64_t>());
    exchange.run();
    return 0;
}
