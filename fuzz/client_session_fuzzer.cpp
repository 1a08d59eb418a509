// core::ClientSession fed a sequence of inputs decoded from the fuzz input (connects and
// reconnects, SUBACKs and refusals, session IDs, commands at every QoS, the final message,
// junk, timers with time moving on, leave, and with hear_verdict the server's verdicts), its
// outbox carried out after each input as its call contract says (client_session.hpp), with
// PROTOCOL.md's rules for the device checked.
#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/client_session.hpp"
#include "core/protocol.hpp"
#include "core/text_checks.hpp"
#include "core/uuid.hpp"
#include "fuzz_support.hpp"

namespace {

namespace core = cmdlink::core;
namespace event = cmdlink::core::client_event;
using cmdlink::fuzz::require;
using core::ClientSession;
using core::MqttAction;
using core::TimePoint;
using std::chrono::milliseconds;

constexpr std::size_t kMaxSteps = 256;

// What one input made the session do.
struct Effects {
    std::vector<MqttAction> publishes;  // views valid until the next input
    std::vector<std::string> subscribed;
    int unsubscribes = 0;
    int disconnects = 0;
    int login_sent = 0;
    int assigned = 0;
    int answered = 0;
    int unknown = 0;
    int verdicts = 0;
    std::optional<core::ClientOutcome> finished;
    std::string assigned_id;
};

class ClientDriver {
  public:
    ClientDriver(FuzzedDataProvider& in, ClientSession session, std::uint64_t seed)
        : in_(in), random_(seed), client_(std::move(session)) {}

    void run() {
        for (std::size_t step = 0; step < kMaxSteps && in_.remaining_bytes() > 0; ++step) {
            one_step();
        }
        // Time runs on to each deadline: a session that began ends, by a timeout if nothing
        // else.
        // At most login_timeout / login_retry retries (200 with the ranges below) come first.
        for (int turn = 0; turn < 256 && client_.next_deadline() != core::kNever; ++turn) {
            now_ = std::max(now_, client_.next_deadline());
            const auto state = client_.state();
            client_.on_timer(now_);
            const Effects effects = carry_out();
            if (!effects.finished) expect_login_retry(state, effects);
        }
        if (connected_ && !left_) {
            require(finished_, "a session that began outlived every deadline");
            require(client_.state() == ClientSession::State::kFinished,
                    "finished but not kFinished");
        }
        require(client_.outcome() == outcome_, "outcome() disagrees with the Finished event");
    }

  private:
    const core::CommandTable& table() const { return table_; }

    std::string pick_session_id() {
        switch (in_.ConsumeIntegralInRange(0, 3)) {
            case 0:
                if (!assigned_ids_.empty() && in_.ConsumeBool()) return assigned_ids_.front();
                if (!client_.session_id().empty()) return client_.session_id();
                [[fallthrough]];
            case 1:
                return core::make_uuid_v4(random_);
            case 2:
                return "1234-fdsfs-12441-qa241";
            default:
                return in_.ConsumeRandomLengthString(40);
        }
    }

    std::string pick_command() {
        switch (in_.ConsumeIntegralInRange(0, 6)) {
            case 0:
                return std::string(core::kWellDone);
            case 1:
                return "CMD9";
            case 2:
                // Braces would pick the initializer-list constructor: "\x2cC", not 300 C's.
                return std::string(300, 'C');  // NOLINT(modernize-return-braced-init-list)
            case 3:
                return in_.ConsumeRandomLengthString(20);
            default:
                return table()
                    .at(in_.ConsumeIntegralInRange<std::size_t>(0, table().size() - 1))
                    .command;
        }
    }

    std::string pick_topic() {
        switch (in_.ConsumeIntegralInRange(0, 4)) {
            case 4:
                return core::result_topic(client_.user_id());
            case 0:
                return core::session_id_topic(client_.user_id());
            case 1:
                return client_.session_id();
            case 2:
                return std::string(core::kLoginTopic);
            default:
                return in_.ConsumeRandomLengthString(40);
        }
    }

    int pick_qos() { return in_.ConsumeIntegralInRange(0, 2); }

    void one_step() {
        switch (in_.ConsumeIntegralInRange(0, 9)) {
            case 0: {
                // SUBACKs and messages before any connect (which no broker sends) may have
                // ended the session already.
                const bool first = client_.state() == ClientSession::State::kIdle;
                connected_ = true;
                client_.on_connected(in_.ConsumeBool(), now_);
                const Effects effects = carry_out();
                expect_quiet(effects, "on_connected");
                if (first) {
                    require(effects.subscribed.size() == 1 &&
                                effects.subscribed[0] == core::session_id_topic(client_.user_id()),
                            "the first connect does not subscribe to <user ID>/UUID");
                }
                return;
            }
            case 1:
                return suback();
            case 2:
            case 3:
                return session_id_message();
            case 4:
            case 5:
            case 6:
                return command_message();
            case 7: {
                const std::string topic = pick_topic();
                const std::string payload = in_.ConsumeRandomLengthString(40);
                deliver(topic, payload, pick_qos(), in_.ConsumeBool());
                return;
            }
            case 8:
                if (in_.ConsumeBool()) return verdict_message();
                return timer();
            default: {
                client_.leave();
                const bool was_done = finished_ || left_;
                left_ = true;
                const Effects effects = carry_out();
                expect_quiet(effects, "leave");
                require(!effects.finished, "leave() reported an outcome");
                require(was_done || effects.disconnects == 1, "leave() without a disconnect");
                return;
            }
        }
    }

    void suback() {
        const std::string topic = pick_topic();
        const int granted = in_.ConsumeIntegralInRange(0, 5) == 0 ? 0x80 : pick_qos();
        const auto state = client_.state();
        client_.on_subscribed(topic, granted, now_);
        const Effects effects = carry_out();
        const bool login_suback = state == ClientSession::State::kSubscribing &&
                                  topic == core::session_id_topic(client_.user_id()) &&
                                  granted <= core::kMaxQos;
        require(effects.login_sent == (login_suback ? 1 : 0),
                "a login not sent exactly when <user ID>/UUID is acknowledged");
        if (login_suback && client_.options().hear_verdict) {
            // Before the login, in the same batch: the broker then has it first.
            require(effects.subscribed.size() == 1 &&
                        effects.subscribed[0] == core::result_topic(client_.user_id()),
                    "the login went out without the verdict's subscription ahead of it");
        }
        for (const MqttAction& publish : effects.publishes) {
            require(publish.topic == core::kLoginTopic && publish.payload == client_.user_id(),
                    "a publish other than the login after a SUBACK");
        }
        if (effects.finished) {
            require(*effects.finished == core::ClientOutcome::kRefused && granted > core::kMaxQos,
                    "an outcome from a SUBACK that refused nothing");
        }
    }

    void session_id_message() {
        const std::string id = pick_session_id();
        const bool retained = in_.ConsumeIntegralInRange(0, 15) == 0;
        const bool had = !client_.session_id().empty();
        const std::string before = client_.session_id();
        const Effects effects =
            deliver(core::session_id_topic(client_.user_id()), id, pick_qos(), retained);
        require(effects.publishes.empty(), "a publish in answer to a session ID");
        if (effects.assigned == 0) {
            require(client_.session_id() == before, "the session ID changed unannounced");
            return;
        }
        // PROTOCOL.md: a different ID means the server replaced the session; the newest is
        // the live one, and an ID once replaced is never taken back.
        require(!retained && login_sent_ever_, "a session ID taken out of turn");
        require(!core::check_session_id(id), "an invalid session ID taken");
        require(id != before, "the same session ID assigned twice in a row");
        require(std::find(assigned_ids_.begin(), assigned_ids_.end(), id) == assigned_ids_.end(),
                "a replaced session ID taken back");
        require(effects.subscribed.size() == 1 && effects.subscribed[0] == id,
                "a session ID taken without subscribing to it");
        require(effects.unsubscribes == (had ? 1 : 0), "a replaced session kept its subscription");
        require(client_.session_id() == id, "session_id() is not the one assigned");
        assigned_ids_.push_back(id);
    }

    void command_message() {
        const std::string command = pick_command();
        const int qos = pick_qos();
        const bool retained = in_.ConsumeIntegralInRange(0, 15) == 0;
        const bool in_session = client_.state() == ClientSession::State::kInSession;
        const std::string topic = in_.ConsumeIntegralInRange(0, 7) == 0
                                      ? in_.ConsumeRandomLengthString(40)
                                      : client_.session_id();
        const Effects effects = deliver(topic, command, qos, retained);
        const bool delivered = in_session && !retained && topic == client_.session_id();
        const auto index = table().find(command);
        if (delivered && command == core::kWellDone) {
            require(effects.finished == core::ClientOutcome::kPassed, "the final message ignored");
            require(effects.publishes.empty(), "a reply to the final message");
            return;
        }
        if (delivered && index && !core::check_payload(command)) {
            // PROTOCOL.md, step 6: exactly one reply, to <session ID>/<command>, at its QoS.
            require(effects.publishes.size() == 1 && effects.answered == 1,
                    "a known command not answered exactly once");
            const MqttAction& reply = effects.publishes[0];
            require(reply.topic == client_.session_id() + "/" + command, "a reply's topic");
            require(reply.payload == table().at(*index).reply, "a reply's word");
            require(reply.qos == qos, "a reply at another QoS than its command's");
            return;
        }
        require(effects.publishes.empty(), "a reply to something that is no known command");
        if (delivered && !core::check_payload(command)) {
            require(effects.unknown == 1, "an unknown command not reported");
        }
    }

    // The text as a JSON string, written by the library rather than by the encoder under
    // test: a session ID may hold quotes, backslashes, control characters and bytes that are
    // no UTF-8 (replaced, so that such an ID arrives as another, never as the client's).
    static std::string json_string(const std::string& text) {
        return nlohmann::json(text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    }

    // A verdict of `server --feedback` (PROTOCOL.md's extension): for this session or another,
    // any outcome, sometimes a refused login, sometimes not JSON at all.
    void verdict_message() {
        static constexpr const char* kOutcomes[] = {"passed",    "failed",      "abandoned",
                                                    "timed_out", "interrupted", "refused"};
        const std::string outcome = kOutcomes[in_.ConsumeIntegralInRange(0, 5)];
        const std::string id = pick_session_id();
        const bool json = in_.ConsumeIntegralInRange(0, 7) != 0;
        const std::string payload =
            json ? R"({"session_id":)" + json_string(id) + R"(,"outcome":")" + outcome +
                       R"(","reason":"why","commands":1,"correct":0,"low_qos":0,"wrong":1,)"
                       R"("surplus":0})"
                 : in_.ConsumeRandomLengthString(40);
        const bool retained = in_.ConsumeIntegralInRange(0, 15) == 0;
        const bool in_session = client_.state() == ClientSession::State::kInSession;
        const bool hears = client_.options().hear_verdict;
        const std::string current = client_.session_id();
        const Effects effects =
            deliver(core::result_topic(client_.user_id()), payload, 1, retained);
        require(effects.publishes.empty() && effects.assigned == 0 && effects.answered == 0,
                "a verdict made the client publish or take a session");
        const bool ours =
            hears && json && !retained && in_session && id == current && outcome != "refused";
        require(effects.verdicts == (ours ? 1 : 0) || (hears && outcome == "refused"),
                "a verdict shown that is not this session's, or this session's not shown");
        if (ours && outcome != "passed" && outcome != "abandoned") {
            require(effects.finished == core::ClientOutcome::kFailed,
                    "a failing verdict did not end the session as failed");
        } else {
            require(!effects.finished, "an outcome from a verdict that is no failure of ours");
        }
    }

    void timer() {
        const TimePoint deadline = client_.next_deadline();
        const int how = in_.ConsumeIntegralInRange(0, 2);
        if (how == 0 && deadline != core::kNever) {
            now_ = std::max(now_, deadline);
        } else if (how == 1) {
            now_ += milliseconds(in_.ConsumeIntegralInRange(0, 70000));
        }
        const auto state = client_.state();
        client_.on_timer(now_);
        const Effects effects = carry_out();
        require(effects.assigned == 0 && effects.answered == 0, "on_timer");
        if (now_ < deadline) {
            require(effects.publishes.empty() && !effects.finished && effects.unsubscribes == 0 &&
                        effects.disconnects == 0,
                    "a timer before the deadline did something");
            return;
        }
        if (!effects.finished) {
            expect_login_retry(state, effects);
            return;
        }
        require(effects.publishes.empty(), "a publish with a timeout");
        const auto expected = state == ClientSession::State::kInSession
                                  ? core::ClientOutcome::kIdleTimeout
                                  : core::ClientOutcome::kLoginTimeout;
        require(effects.finished == expected, "a deadline passed without its timeout");
    }

    // PROTOCOL.md: while it waits for its session ID the client sends its login again; a
    // deadline that ends nothing is that retry, and another deadline follows it.
    void expect_login_retry(ClientSession::State before, const Effects& effects) const {
        require(before == ClientSession::State::kAwaitingSession,
                "a deadline passed without its timeout");
        require(effects.login_sent == 1 && effects.publishes.size() == 1,
                "a login retry that sent no login");
        require(client_.next_deadline() > now_, "a login retry with no later deadline");
    }

    Effects deliver(const std::string& topic, const std::string& payload, int qos, bool retained) {
        client_.on_message(topic, payload, qos, now_, retained);
        return carry_out();
    }

    static void expect_quiet(const Effects& effects, const char* input) {
        require(effects.publishes.empty() && effects.assigned == 0 && effects.answered == 0, input);
    }

    Effects carry_out() {
        Effects effects;
        const bool done_before = finished_ || left_;
        for (int rounds = 0; !client_.outbox().empty(); ++rounds) {
            require(rounds < 8, "the outbox never stays empty");
            client_.outbox().take_into(batch_);
            for (const auto& entry : batch_.entries()) {
                if (const auto* action = std::get_if<MqttAction>(&entry)) {
                    check_action(*action, done_before, effects);
                } else {
                    check_event(std::get<core::ClientEvent>(entry), effects);
                }
            }
        }
        if (effects.finished) {
            require(effects.disconnects == 1, "an outcome without a disconnect");
        }
        return effects;
    }

    void check_action(const MqttAction& action, bool done_before, Effects& effects) {
        switch (action.kind) {
            case MqttAction::Kind::kDisconnect:
                ++effects.disconnects;
                return;
            case MqttAction::Kind::kUnsubscribe:
                ++effects.unsubscribes;
                return;
            case MqttAction::Kind::kSubscribe:
                require(!done_before, "a subscription after the end");
                require(action.qos == core::kMaxQos, "a subscription below QoS 2");
                effects.subscribed.emplace_back(action.topic);
                return;
            case MqttAction::Kind::kPublish:
                require(!done_before, "a publish after the end");
                effects.publishes.push_back(action);
                return;
        }
    }

    void check_event(const core::ClientEvent& any, Effects& effects) {
        if (const auto* sent = std::get_if<event::LoginSent>(&any)) {
            require(sent->user_id == client_.user_id(), "a login with another user ID");
            ++effects.login_sent;
            login_sent_ever_ = true;
        } else if (std::holds_alternative<event::SessionAssigned>(any)) {
            require(effects.assigned == 0, "two sessions assigned by one input");
            ++effects.assigned;
        } else if (std::holds_alternative<event::CommandAnswered>(any)) {
            ++effects.answered;
        } else if (std::holds_alternative<event::UnknownCommand>(any)) {
            ++effects.unknown;
        } else if (const auto* verdict = std::get_if<event::VerdictReceived>(&any)) {
            require(client_.options().hear_verdict, "a verdict heard by a client that does not");
            if (!verdict->login_refused) ++effects.verdicts;
        } else if (const auto* finished = std::get_if<event::Finished>(&any)) {
            require(!finished_ && !left_, "a second outcome, or one after leave()");
            require(finished->outcome != core::ClientOutcome::kRunning, "finished as running");
            require(finished->outcome != core::ClientOutcome::kFailed || effects.verdicts == 1,
                    "failed without the server's verdict");
            require(finished->outcome == core::ClientOutcome::kPassed ||
                        !finished->reason.empty() ||
                        finished->outcome != core::ClientOutcome::kRefused,
                    "a refusal without a reason");
            finished_ = true;
            outcome_ = finished->outcome;
            effects.finished = finished->outcome;
        }
    }

    FuzzedDataProvider& in_;
    cmdlink::fuzz::SeededRandom random_;
    ClientSession client_;
    core::CommandTable table_ = client_options_table();
    core::ClientOutbox batch_;
    TimePoint now_{std::chrono::hours(1)};
    core::ClientOutcome outcome_ = core::ClientOutcome::kRunning;
    bool connected_ = false;
    bool finished_ = false;
    bool left_ = false;
    bool login_sent_ever_ = false;
    std::vector<std::string> assigned_ids_;

  public:
    static core::CommandTable client_options_table();
    static inline bool custom_table = false;
};

core::CommandTable ClientDriver::client_options_table() {
    return custom_table ? core::CommandTable::parse("A x\nB = \"y y\"\n").value()
                        : core::CommandTable::course_default();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    FuzzedDataProvider in(data, size);
    const auto seed = in.ConsumeIntegral<std::uint64_t>();
    core::ClientOptions options;
    switch (in.ConsumeIntegralInRange(0, 2)) {
        case 0:
            options.user_id = "12345";
            break;
        case 1:
            options.user_id = "u1";
            break;
        default:
            options.user_id = in.ConsumeRandomLengthString(70);
    }
    ClientDriver::custom_table = in.ConsumeBool();
    options.table = ClientDriver::client_options_table();
    options.login_qos = in.ConsumeIntegralInRange(-1, 3);
    options.login_timeout = milliseconds(in.ConsumeIntegralInRange(1, 20000));
    options.idle_timeout = milliseconds(in.ConsumeIntegralInRange(1, 60000));
    options.login_retry = milliseconds(in.ConsumeIntegralInRange(100, 20000));
    options.hear_verdict = in.ConsumeBool();
    const bool valid = !core::check_user_id(options.user_id) && options.login_qos >= 0 &&
                       options.login_qos <= core::kMaxQos;
    auto session = ClientSession::create(std::move(options));
    require(session.ok() == valid, "create() disagrees with PROTOCOL.md's user ID rules");
    if (!session.ok()) {
        require(!session.error().empty(), "a refusal without a reason");
        return 0;
    }
    ClientDriver driver(in, std::move(session.value()), seed);
    driver.run();
    return 0;
}
