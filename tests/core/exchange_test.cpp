// Whole exchanges: client sessions and an Issuer wired together in memory through a tiny fake
// broker, with the order of every delivery and the clock in the test's hand.

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "core/client_session.hpp"
#include "core/issuer.hpp"
#include "core/protocol.hpp"
#include "core/uuid.hpp"
#include "recording_output.hpp"

namespace cmdlink::core {
namespace {

using namespace std::chrono_literals;
using namespace std::string_view_literals;
using test_support::Action;
using test_support::disconnect_action;
using test_support::publish_action;
using test_support::RecordingClientOutput;
using test_support::RecordingServerOutput;
using test_support::ScriptedRandom;
using test_support::subscribe_action;
using test_support::unsubscribe_action;
using Actions = std::vector<Action>;
using Events = std::vector<std::string>;
using Verdicts = std::vector<Verdict>;

// ---- the fake broker ----------------------------------------------------------------------

// MQTT topic matching with exact levels, `+` for one level and `#` for the rest.
bool topic_matches(std::string_view filter, std::string_view topic) {
    for (;;) {
        const std::size_t filter_end = filter.find('/');
        const std::size_t topic_end = topic.find('/');
        const std::string_view level = filter.substr(0, filter_end);
        if (level == "#") return true;
        if (level != "+" && level != topic.substr(0, topic_end)) return false;
        if (filter_end == std::string_view::npos || topic_end == std::string_view::npos) {
            return filter_end == std::string_view::npos && topic_end == std::string_view::npos;
        }
        filter.remove_prefix(filter_end + 1);
        topic.remove_prefix(topic_end + 1);
    }
}

bool has_wildcard(std::string_view filter) {
    return filter.find_first_of("+#") != filter.npos;
}

TEST(FakeBrokerTopicMatching, FollowsMqttRules) {
    EXPECT_TRUE(topic_matches("login", "login"));
    EXPECT_FALSE(topic_matches("login", "login/x"));
    EXPECT_TRUE(topic_matches("+/+", "abc/CMD1"));
    EXPECT_TRUE(topic_matches("+/+", "12345/UUID"));
    EXPECT_FALSE(topic_matches("+/+", "abc"));
    EXPECT_FALSE(topic_matches("+/+", "a/b/c"));
    EXPECT_TRUE(topic_matches("+", "abc"));
    EXPECT_TRUE(topic_matches("a/#", "a/b/c"));
    EXPECT_FALSE(topic_matches("abc", "abd"));
}

// What sits at the end of a broker connection.
class Endpoint {
  public:
    virtual ~Endpoint() = default;
    virtual void on_delivery(std::string_view topic, std::string_view payload, int qos) = 0;
    virtual void on_suback(std::string_view filter) = 0;
};

// A packet the broker has yet to hand to a connection.
struct Packet {
    enum class Kind { kMessage, kSuback };
    Kind kind = Kind::kMessage;
    std::size_t to = 0;
    std::string topic;
    std::string payload;
    int qos = 0;
};

struct Publication {
    std::size_t from = 0;
    std::string topic;
    std::string payload;
    int qos = 0;
};

class FakeBroker;

// The MqttOutput a session writes to: its requests go to the broker under its connection.
class Port : public MqttOutput {
  public:
    Port(FakeBroker& broker, std::size_t id) : broker_(&broker), id_(id) {}
    void subscribe(std::string_view topic, int qos) override;
    void unsubscribe(std::string_view topic) override;
    void publish(std::string_view topic, std::string_view payload, int qos) override;
    void disconnect() override;

  private:
    FakeBroker* broker_;
    std::size_t id_;
};

// Routes publications to subscriptions (delivered QoS = min(publish QoS, granted QoS)) and
// queues every delivery and SUBACK, so a test decides when and in which order they arrive.
// A connection that goes away keeps its QoS 1/2 messages only when its session survives.
class FakeBroker {
  public:
    using Predicate = std::function<bool(const Packet&)>;

    std::size_t attach(Endpoint& endpoint) {
        const std::size_t id = connections_.size();
        connections_.push_back(std::make_unique<Connection>(*this, id, endpoint));
        return id;
    }
    MqttOutput& port(std::size_t id) { return connections_.at(id)->port; }

    // ---- requests of the connections ----

    void subscribe(std::size_t from, std::string_view filter, int qos) {
        Connection& connection = *connections_.at(from);
        const int granted = std::min(qos, connection.max_qos);
        const std::string key(filter);
        connection.subscriptions[key] = granted;
        if (has_wildcard(filter)) {
            wildcards_.insert({key, from});
        } else {
            exact_[key].insert(from);
        }
        Packet suback{Packet::Kind::kSuback, from, key, {}, granted};
        if (hold_subacks_) {
            held_subacks_.push_back(std::move(suback));
        } else {
            queue_.push_back(std::move(suback));
        }
    }

    void unsubscribe(std::size_t from, std::string_view filter) {
        const std::string key(filter);
        connections_.at(from)->subscriptions.erase(key);
        wildcards_.erase({key, from});
        if (const auto found = exact_.find(key); found != exact_.end()) {
            found->second.erase(from);
            if (found->second.empty()) exact_.erase(found);
        }
    }

    void publish(std::size_t from, std::string_view topic, std::string_view payload, int qos) {
        published.push_back({from, std::string(topic), std::string(payload), qos});
        std::map<std::size_t, int> targets;  // connection -> highest QoS granted to a match
        const auto consider = [&](std::size_t id, const std::string& filter) {
            const int granted = connections_.at(id)->subscriptions.at(filter);
            const auto [it, inserted] = targets.try_emplace(id, granted);
            if (!inserted) it->second = std::max(it->second, granted);
        };
        if (const auto found = exact_.find(std::string(topic)); found != exact_.end()) {
            for (const std::size_t id : found->second) consider(id, found->first);
        }
        for (const auto& [filter, id] : wildcards_) {
            if (topic_matches(filter, topic)) consider(id, filter);
        }
        for (const auto& [id, granted] : targets) {
            route({Packet::Kind::kMessage, id, std::string(topic), std::string(payload),
                   std::min(qos, granted)});
        }
    }

    void disconnect(std::size_t from) {
        ++connections_.at(from)->disconnects;
        go_offline(from, /*keep_session=*/true);
    }

    // ---- what a test does ----

    // The connection is lost; its session (subscriptions, queued QoS 1/2 messages) survives
    // only when `keep_session` is set.
    void drop(std::size_t id, bool keep_session) { go_offline(id, keep_session); }

    // The connection is back; messages kept for it are queued again.
    void reconnect(std::size_t id) {
        Connection& connection = *connections_.at(id);
        connection.online = true;
        for (Packet& packet : connection.held) queue_.push_back(std::move(packet));
        connection.held.clear();
    }

    // Grants at most this QoS to the connection's subscriptions, as Mosquitto's max_qos does.
    void set_max_qos(std::size_t id, int qos) { connections_.at(id)->max_qos = qos; }

    void hold_subacks(bool hold) { hold_subacks_ = hold; }
    [[nodiscard]] std::size_t held_subacks() const { return held_subacks_.size(); }

    bool deliver_next() {
        if (queue_.empty()) return false;
        Packet packet = std::move(queue_.front());
        queue_.pop_front();
        dispatch(packet);
        return true;
    }

    // Delivers until nothing is in flight; returns how many packets that was.
    std::size_t run() {
        std::size_t count = 0;
        while (deliver_next()) {
            if (++count > 10'000'000) {
                ADD_FAILURE() << "the exchange does not settle";
                break;
            }
        }
        return count;
    }

    // Delivers the first packet in flight that matches, ahead of the others.
    bool deliver_first(const Predicate& matches) {
        const auto found = std::find_if(queue_.begin(), queue_.end(), matches);
        if (found == queue_.end()) return false;
        Packet packet = std::move(*found);
        queue_.erase(found);
        dispatch(packet);
        return true;
    }

    // Queues a second copy of the first matching packet right after it, as a broker that
    // redelivers a QoS 1 message does.
    bool duplicate_first(const Predicate& matches) {
        const auto found = std::find_if(queue_.begin(), queue_.end(), matches);
        if (found == queue_.end()) return false;
        Packet copy = *found;
        queue_.insert(std::next(found), std::move(copy));
        return true;
    }

    [[nodiscard]] std::size_t count_in_flight(const Predicate& matches) const {
        return static_cast<std::size_t>(std::count_if(queue_.begin(), queue_.end(), matches));
    }
    [[nodiscard]] std::size_t in_flight() const { return queue_.size(); }
    [[nodiscard]] std::size_t disconnects(std::size_t id) const {
        return connections_.at(id)->disconnects;
    }

    std::vector<Publication> published;  // every PUBLISH any connection sent
    std::vector<Packet> delivered;       // every message handed to a connection
    std::vector<Packet> lost;            // messages no connection will ever see
    std::vector<Packet> acknowledged;    // every SUBACK handed to a connection

  private:
    struct Connection {
        Connection(FakeBroker& broker, std::size_t id, Endpoint& end)
            : port(broker, id), endpoint(&end) {}
        Port port;
        Endpoint* endpoint;
        bool online = true;
        int max_qos = 2;
        std::size_t disconnects = 0;
        std::map<std::string, int> subscriptions;
        std::deque<Packet> held;
    };

    void route(Packet packet) {
        Connection& connection = *connections_.at(packet.to);
        if (connection.online) {
            queue_.push_back(std::move(packet));
        } else if (packet.kind == Packet::Kind::kMessage && packet.qos > 0) {
            connection.held.push_back(std::move(packet));
        } else if (packet.kind == Packet::Kind::kMessage) {
            lost.push_back(std::move(packet));
        }
    }

    void go_offline(std::size_t id, bool keep_session) {
        Connection& connection = *connections_.at(id);
        connection.online = false;
        std::deque<Packet> remaining;
        for (Packet& packet : queue_) {
            if (packet.to != id) {
                remaining.push_back(std::move(packet));
            } else if (keep_session) {
                route(std::move(packet));
            } else if (packet.kind == Packet::Kind::kMessage) {
                lost.push_back(std::move(packet));
            }
        }
        queue_ = std::move(remaining);
        std::erase_if(held_subacks_, [id](const Packet& packet) { return packet.to == id; });
        if (!keep_session) {
            for (Packet& packet : connection.held) lost.push_back(std::move(packet));
            connection.held.clear();
            const auto filters = connection.subscriptions;
            for (const auto& [filter, qos] : filters) unsubscribe(id, filter);
        }
    }

    void dispatch(const Packet& packet) {
        Connection& connection = *connections_.at(packet.to);
        if (!connection.online) return route(packet);
        if (packet.kind == Packet::Kind::kSuback) {
            acknowledged.push_back(packet);
            connection.endpoint->on_suback(packet.topic);
        } else {
            delivered.push_back(packet);
            connection.endpoint->on_delivery(packet.topic, packet.payload, packet.qos);
        }
    }

    std::vector<std::unique_ptr<Connection>> connections_;
    std::unordered_map<std::string, std::set<std::size_t>> exact_;
    std::set<std::pair<std::string, std::size_t>> wildcards_;
    std::deque<Packet> queue_;
    std::deque<Packet> held_subacks_;
    bool hold_subacks_ = false;
};

void Port::subscribe(std::string_view topic, int qos) {
    broker_->subscribe(id_, topic, qos);
}
void Port::unsubscribe(std::string_view topic) {
    broker_->unsubscribe(id_, topic);
}
void Port::publish(std::string_view topic, std::string_view payload, int qos) {
    broker_->publish(id_, topic, payload, qos);
}
void Port::disconnect() {
    broker_->disconnect(id_);
}

// ---- the parties ----------------------------------------------------------------------------

ClientSession created(ClientOptions options) {
    auto result = ClientSession::create(std::move(options));
    if (!result) ADD_FAILURE() << result.error();
    return std::move(result.value());
}

class ClientNode : public Endpoint {
  public:
    ClientNode(FakeBroker& broker, const TimePoint& now, ClientOptions options)
        : session(created(std::move(options))), broker_(&broker), now_(&now) {
        id = broker.attach(*this);
        out.forward = &broker.port(id);
    }

    void connect(bool session_present = false) {
        broker_->reconnect(id);
        session.on_connected(session_present, *now_);
        replay(session, out);
    }

    void on_delivery(std::string_view topic, std::string_view payload, int qos) override {
        session.on_message(topic, payload, qos, *now_);
        replay(session, out);
    }
    void on_suback(std::string_view filter) override {
        session.on_subscribed(filter, 2, *now_);
        replay(session, out);
    }

    ClientSession session;
    RecordingClientOutput out;
    std::size_t id = 0;

  private:
    FakeBroker* broker_;
    const TimePoint* now_;
};

Issuer made(ServerPolicy policy, RandomSource& random) {
    auto result = Issuer::create(std::move(policy), random);
    if (!result) ADD_FAILURE() << result.error();
    return std::move(result.value());
}

class ServerNode : public Endpoint {
  public:
    ServerNode(FakeBroker& broker, const TimePoint& now, ServerPolicy policy, RandomSource& random)
        : issuer(made(std::move(policy), random)), now_(&now) {
        id = broker.attach(*this);
        out.forward = &broker.port(id);
    }

    void on_delivery(std::string_view topic, std::string_view payload, int qos) override {
        issuer.on_message(topic, payload, qos, *now_);
        settle(issuer, out, *now_);
    }
    void on_suback(std::string_view filter) override {
        issuer.on_subscribed(filter, 2, *now_);
        settle(issuer, out, *now_);
    }

    Issuer issuer;
    RecordingServerOutput out;
    std::size_t id = 0;

  private:
    const TimePoint* now_;
};

// Someone else on the broker, publishing whatever a test likes.
class Outsider : public Endpoint {
  public:
    void on_delivery(std::string_view, std::string_view, int) override {}
    void on_suback(std::string_view) override {}
};

std::string word_for(std::string_view command) {
    const CommandTable table = CommandTable::course_default();
    const auto index = table.find(command);
    return index ? table.at(*index).reply : std::string();
}

// The course table plus CMD8, which our client's table lacks.
CommandTable table_with_cmd8() {
    std::string text;
    const CommandTable course = CommandTable::course_default();
    for (const CommandEntry& entry : course.entries()) {
        text += entry.command + " " + entry.reply + "\n";
    }
    text += "CMD8 Pear\n";
    auto table = CommandTable::parse(text);
    EXPECT_TRUE(table) << table.error();
    return table.value();
}

class ExchangeTest : public ::testing::Test {
  protected:
    ServerNode& start_server(ServerPolicy policy = {}) {
        server = std::make_unique<ServerNode>(broker, now, std::move(policy), random);
        server->issuer.start();
        settle(server->issuer, server->out, now);
        broker.run();
        server->out.clear();
        return *server;
    }

    ClientNode& make_client(std::string user_id, ClientOptions options = {}) {
        options.user_id = std::move(user_id);
        clients.push_back(std::make_unique<ClientNode>(broker, now, std::move(options)));
        return *clients.back();
    }

    ClientNode& add_client(std::string user_id, ClientOptions options = {}) {
        ClientNode& client = make_client(std::move(user_id), std::move(options));
        client.connect();
        return client;
    }

    void run() { broker.run(); }

    // Moves the clock forward, waking every party at each of its deadlines on the way;
    // with `deliver`, whatever a wake-up publishes is delivered before time moves on.
    void advance(Duration by, bool deliver = true) {
        const TimePoint target = now + by;
        for (int step = 0;; ++step) {
            if (step > 1'000'000) {
                ADD_FAILURE() << "timers do not settle";
                break;
            }
            TimePoint next = kNever;
            if (server) next = std::min(next, server->issuer.next_deadline());
            for (const auto& client : clients)
                next = std::min(next, client->session.next_deadline());
            if (next > target) break;
            now = std::max(now, next);
            if (server) {
                server->issuer.on_timer(now);
                settle(server->issuer, server->out, now);
            }
            for (const auto& client : clients) {
                client->session.on_timer(now);
                replay(client->session, client->out);
            }
            if (deliver) run();
        }
        now = target;
    }

    std::size_t outsider() {
        if (!outsider_id_) outsider_id_ = broker.attach(outsider_);
        return *outsider_id_;
    }
    void publish_as_outsider(std::string_view topic, std::string_view payload, int qos = 1) {
        broker.publish(outsider(), topic, payload, qos);
    }

    static FakeBroker::Predicate message_to(const ClientNode& client) {
        return [id = client.id](const Packet& p) {
            return p.to == id && p.kind == Packet::Kind::kMessage;
        };
    }
    FakeBroker::Predicate message_to_server() const {
        return [id = server->id](const Packet& p) {
            return p.to == id && p.kind == Packet::Kind::kMessage;
        };
    }

    // The session ID the server gave out last.
    std::string last_session_id() const {
        return server->out.issued.empty() ? std::string() : server->out.issued.back().session_id;
    }

    // What the client is expected to have said for these commands, at this QoS.
    static Events answers(const std::vector<std::string>& commands, int qos) {
        Events events;
        for (const std::string& command : commands) {
            events.push_back("answered " + command + " " + word_for(command) +
                             " qos=" + std::to_string(qos));
        }
        return events;
    }

    TimePoint now = TimePoint{} + 1h;
    FakeBroker broker;
    ScriptedRandom random;
    std::unique_ptr<ServerNode> server;
    std::vector<std::unique_ptr<ClientNode>> clients;

  private:
    Outsider outsider_;
    std::optional<std::size_t> outsider_id_;
};

// Policies with a fixed number of commands, so a script picks them.
ServerPolicy fixed_commands(std::uint32_t count) {
    ServerPolicy policy;
    policy.min_commands = policy.max_commands = count;
    return policy;
}

// ---- a whole exchange ------------------------------------------------------------------------

TEST_F(ExchangeTest, ClientPassesAgainstTheIssuerWithTheDefaultPolicy) {
    start_server();
    ClientNode& client = add_client("12345");
    EXPECT_EQ(client.out.actions, (Actions{subscribe_action("12345/UUID", 2)}));
    EXPECT_EQ(broker.published.size(), 0U);  // no login before the SUBACK
    const TimePoint login_at = now;
    run();

    ASSERT_EQ(server->out.issued.size(), 1U);
    const std::string sid = last_session_id();
    EXPECT_TRUE(is_uuid_v4(sid)) << sid;
    EXPECT_EQ(client.out.take_events(), (Events{"login_sent 12345 qos=2", "session " + sid}));
    EXPECT_EQ(client.out.take_actions(),
              (Actions{subscribe_action("12345/UUID", 2), publish_action("login", "12345", 2),
                       subscribe_action(sid, 2)}));

    advance(3s - 1ns);
    EXPECT_EQ(server->out.commands.size(), 0U);
    advance(1ns);
    const std::vector<std::string> commands = server->out.commands_sent_to(sid);
    ASSERT_GE(commands.size(), 3U);
    ASSERT_LE(commands.size(), 11U);

    Events expected_events = answers(commands, 1);
    expected_events.push_back("finished passed");
    EXPECT_EQ(client.out.events, expected_events);
    Actions expected_actions;
    for (const std::string& command : commands) {
        expected_actions.push_back(publish_action(sid + "/" + command, word_for(command), 1));
    }
    expected_actions.push_back(unsubscribe_action(sid));
    expected_actions.push_back(unsubscribe_action("12345/UUID"));
    expected_actions.push_back(disconnect_action());
    EXPECT_EQ(client.out.actions, expected_actions);
    EXPECT_EQ(client.session.outcome(), ClientOutcome::kPassed);

    EXPECT_EQ(server->out.verdicts(), Verdicts(commands.size(), Verdict::kCorrect));
    EXPECT_EQ(server->out.actions.back(), publish_action(sid, std::string(kWellDone), 2));
    ASSERT_EQ(server->out.ended.size(), 1U);
    const auto& end = server->out.ended[0];
    EXPECT_EQ(end.outcome, SessionOutcome::kPassed);
    EXPECT_EQ(end.correct, commands.size());
    EXPECT_EQ(end.login_at, login_at);
    EXPECT_EQ(end.first_command_at, login_at + 3s);
    EXPECT_EQ(server->issuer.counts().passed, 1U);
    EXPECT_EQ(server->issuer.active_sessions(), 0U);
}

TEST_F(ExchangeTest, FinalMessageFinishesTheClientWhichThenUnsubscribesAndDisconnects) {
    start_server(fixed_commands(1));
    random.append({1, 2, 3});
    ClientNode& client = add_client("12345");
    run();
    const std::string sid = last_session_id();
    client.out.actions.clear();
    client.out.events.clear();
    advance(3s);
    EXPECT_EQ(client.out.actions,
              (Actions{publish_action(sid + "/CMD4", "Rat", 1), unsubscribe_action(sid),
                       unsubscribe_action("12345/UUID"), disconnect_action()}));
    EXPECT_EQ(client.out.events, (Events{"answered CMD4 Rat qos=1", "finished passed"}));
    EXPECT_EQ(broker.disconnects(client.id), 1U);
    EXPECT_EQ(client.session.next_deadline(), kNever);

    // Nothing reaches a finished client: it left no subscription behind.
    publish_as_outsider(sid, "CMD1");
    publish_as_outsider("12345/UUID", "another-session");
    run();
    EXPECT_EQ(client.out.events.size(), 2U);
    EXPECT_EQ(client.session.counts().ignored, 0U);
}

// ---- orderings ---------------------------------------------------------------------------------

TEST_F(ExchangeTest, CommandsDeliveredBeforeTheSessionSubscriptionIsAcknowledgedAreAnswered) {
    start_server(fixed_commands(3));
    random.append({1, 2, 0, 1, 2});
    ClientNode& client = add_client("12345");
    ASSERT_TRUE(broker.deliver_next());  // the SUBACK for <user ID>/UUID: the login goes out
    broker.hold_subacks(true);
    run();
    ASSERT_EQ(broker.held_subacks(), 1U);  // the session topic's SUBACK is still on its way
    const std::string sid = last_session_id();
    advance(3s);
    EXPECT_EQ(client.out.events,
              (Events{"login_sent 12345 qos=2", "session " + sid, "answered CMD1 Apple qos=1",
                      "answered CMD2 Cat qos=1", "answered CMD3 Dog qos=1", "finished passed"}));
    ASSERT_EQ(server->out.ended.size(), 1U);
    EXPECT_EQ(server->out.ended[0].outcome, SessionOutcome::kPassed);
    // The whole exchange ran without the client ever seeing that SUBACK.
    for (const Packet& suback : broker.acknowledged) EXPECT_NE(suback.topic, sid);
}

TEST_F(ExchangeTest, RepeatedCommandsAreEachAnswered) {
    start_server(fixed_commands(5));
    random.append({1, 2, 0, 0, 3, 0, 3});
    ClientNode& client = add_client("12345");
    run();
    advance(3s);
    EXPECT_EQ(server->out.commands_sent_to(last_session_id()),
              (std::vector<std::string>{"CMD1", "CMD1", "CMD4", "CMD1", "CMD4"}));
    Events expected = answers({"CMD1", "CMD1", "CMD4", "CMD1", "CMD4"}, 1);
    expected.push_back("finished passed");
    client.out.events.erase(client.out.events.begin(), client.out.events.begin() + 2);
    EXPECT_EQ(client.out.events, expected);
    EXPECT_EQ(server->out.verdicts(), Verdicts(5, Verdict::kCorrect));
    ASSERT_EQ(server->out.ended.size(), 1U);
    EXPECT_EQ(server->out.ended[0].outcome, SessionOutcome::kPassed);
    EXPECT_EQ(server->out.ended[0].correct, 5U);
    EXPECT_EQ(server->out.ended[0].surplus, 0U);
}

TEST_F(ExchangeTest, UnknownCommandIsSkippedAndTheServerWaitsForItUntilItsTimeout) {
    ServerPolicy policy = fixed_commands(3);
    policy.table = table_with_cmd8();
    start_server(policy);
    random.append({1, 2, 0, 7, 1});  // CMD1, CMD8, CMD2
    ClientOptions options;
    options.idle_timeout = 60s;
    ClientNode& client = add_client("12345", options);
    run();
    const std::string sid = last_session_id();
    const TimePoint login_at = now;
    client.out.events.clear();
    client.out.actions.clear();
    advance(3s);

    EXPECT_EQ(client.out.events, (Events{"answered CMD1 Apple qos=1", "unknown CMD8 qos=1",
                                         "answered CMD2 Cat qos=1"}));
    EXPECT_EQ(client.out.actions, (Actions{publish_action(sid + "/CMD1", "Apple", 1),
                                           publish_action(sid + "/CMD2", "Cat", 1)}));
    EXPECT_EQ(client.session.state(), ClientSession::State::kInSession);
    EXPECT_EQ(client.session.counts().unknown, 1U);
    EXPECT_EQ(server->out.verdicts(), (Verdicts{Verdict::kCorrect, Verdict::kCorrect}));

    advance(27s - 1ns);
    EXPECT_EQ(server->out.ended.size(), 0U);
    EXPECT_EQ(server->issuer.active_sessions(), 1U);
    EXPECT_EQ(server->out.publications().back(), publish_action(sid, "CMD2", 1));  // no end
    advance(1ns);
    ASSERT_EQ(server->out.ended.size(), 1U);
    EXPECT_EQ(server->out.ended[0].outcome, SessionOutcome::kTimedOut);
    EXPECT_EQ(server->out.ended[0].reason, "1 of 3 commands unanswered after the session timeout");
    EXPECT_EQ(server->out.ended[0].ended_at, login_at + 30s);
    EXPECT_EQ(server->out.ended[0].correct, 2U);

    // The client has no way to know; it gives up on its own idle timeout.
    EXPECT_EQ(client.session.state(), ClientSession::State::kInSession);
    advance(33s);
    EXPECT_EQ(client.session.outcome(), ClientOutcome::kIdleTimeout);
    EXPECT_EQ(client.out.events.back(), "finished idle_timeout");
}

// ---- quality of service ------------------------------------------------------------------------

class ExchangeAtQos : public ExchangeTest, public ::testing::WithParamInterface<int> {};

TEST_P(ExchangeAtQos, ReplyUsesDeliveredQosAndEveryVerdictIsCorrect) {
    const int qos = GetParam();
    ServerPolicy policy = fixed_commands(6);
    policy.qos = qos;
    start_server(policy);
    ClientNode& client = add_client("12345");
    run();
    const std::string sid = last_session_id();
    advance(3s);

    std::size_t commands_delivered = 0;
    for (const Packet& packet : broker.delivered) {
        if (packet.to == client.id && packet.topic == sid && packet.payload != kWellDone) {
            EXPECT_EQ(packet.qos, qos);
            ++commands_delivered;
        }
    }
    EXPECT_EQ(commands_delivered, 6U);
    const Actions replies = client.out.publications();
    ASSERT_EQ(replies.size(), 7U);  // the login and six replies
    for (std::size_t i = 1; i < replies.size(); ++i) EXPECT_EQ(replies[i].qos, qos);
    ASSERT_EQ(server->out.replies.size(), 6U);
    for (const auto& reply : server->out.replies) {
        EXPECT_EQ(reply.qos, qos);
        EXPECT_EQ(reply.verdict, Verdict::kCorrect);
    }
    ASSERT_EQ(server->out.ended.size(), 1U);
    EXPECT_EQ(server->out.ended[0].outcome, SessionOutcome::kPassed);
    EXPECT_EQ(server->out.ended[0].low_qos, 0U);
    EXPECT_EQ(client.session.outcome(), ClientOutcome::kPassed);
}

INSTANTIATE_TEST_SUITE_P(EveryLevel, ExchangeAtQos, ::testing::Values(0, 1, 2));

TEST_F(ExchangeTest, RandomQosRepliesMatchEachCommandsQos) {
    ServerPolicy policy = fixed_commands(30);
    policy.qos = std::nullopt;
    start_server(policy);
    ClientNode& client = add_client("12345");
    run();
    advance(3s);
    const auto& commands = server->out.commands;
    const auto& replies = server->out.replies;
    ASSERT_EQ(commands.size(), 30U);
    ASSERT_EQ(replies.size(), 30U);
    std::set<int> levels;
    for (std::size_t i = 0; i < commands.size(); ++i) {
        EXPECT_EQ(replies[i].command, commands[i].command) << i;
        EXPECT_EQ(replies[i].qos, commands[i].qos) << i;
        EXPECT_EQ(replies[i].verdict, Verdict::kCorrect) << i;
        levels.insert(commands[i].qos);
    }
    EXPECT_EQ(levels, (std::set<int>{0, 1, 2}));
    ASSERT_EQ(server->out.ended.size(), 1U);
    EXPECT_EQ(server->out.ended[0].outcome, SessionOutcome::kPassed);
    EXPECT_EQ(client.session.outcome(), ClientOutcome::kPassed);
}

TEST_F(ExchangeTest, ReplyBelowTheCommandsQosIsLowQosButCountedByDefault) {
    start_server(fixed_commands(4));
    ClientNode& client = make_client("12345");
    broker.set_max_qos(client.id, 0);  // the broker downgrades the client's subscriptions
    client.connect();
    run();
    advance(3s);
    for (const Action& reply : client.out.publications()) {
        if (reply.topic != "login") {
            EXPECT_EQ(reply.qos, 0);
        }
    }
    EXPECT_EQ(server->out.verdicts(), Verdicts(4, Verdict::kLowQos));
    ASSERT_EQ(server->out.ended.size(), 1U);
    EXPECT_EQ(server->out.ended[0].outcome, SessionOutcome::kPassed);
    EXPECT_EQ(server->out.ended[0].low_qos, 4U);
    EXPECT_EQ(server->out.ended[0].correct, 4U);
    EXPECT_EQ(client.session.outcome(), ClientOutcome::kPassed);
}

TEST_F(ExchangeTest, ReplyBelowTheCommandsQosFailsTheSessionInStrictMode) {
    ServerPolicy policy = fixed_commands(3);
    policy.strict = true;
    start_server(policy);
    random.append({1, 2, 4, 5, 6});
    ClientNode& client = make_client("12345");
    broker.set_max_qos(client.id, 0);
    client.connect();
    run();
    const std::string sid = last_session_id();
    advance(3s);
    EXPECT_EQ(server->out.verdicts(),
              (Verdicts{Verdict::kLowQos, Verdict::kAfterEnd, Verdict::kAfterEnd}));
    ASSERT_EQ(server->out.ended.size(), 1U);
    EXPECT_EQ(server->out.ended[0].outcome, SessionOutcome::kFailed);
    EXPECT_EQ(server->out.ended[0].reason,
              "reply to CMD5 at QoS 0, below the command's QoS 1 (strict mode)");
    for (const Action& action : server->out.publications()) {
        EXPECT_NE(action.payload, kWellDone);
    }
    advance(30s);
    EXPECT_EQ(client.session.outcome(), ClientOutcome::kIdleTimeout);
}

// ---- duplicates ---------------------------------------------------------------------------------

TEST_F(ExchangeTest, DuplicatedCommandIsAnsweredTwiceAndToleratedByDefault) {
    start_server(fixed_commands(3));
    random.append({1, 2, 0, 1, 2});
    ClientNode& client = add_client("12345");
    run();
    const std::string sid = last_session_id();
    client.out.events.clear();
    advance(3s, /*deliver=*/false);
    ASSERT_EQ(broker.count_in_flight(message_to(client)), 3U);
    ASSERT_TRUE(broker.duplicate_first(
        [&](const Packet& p) { return p.to == client.id && p.payload == "CMD1"; }));
    run();
    EXPECT_EQ(client.out.events,
              (Events{"answered CMD1 Apple qos=1", "answered CMD1 Apple qos=1",
                      "answered CMD2 Cat qos=1", "answered CMD3 Dog qos=1", "finished passed"}));
    EXPECT_EQ(server->out.verdicts(), (Verdicts{Verdict::kCorrect, Verdict::kSurplus,
                                                Verdict::kCorrect, Verdict::kCorrect}));
    ASSERT_EQ(server->out.ended.size(), 1U);
    EXPECT_EQ(server->out.ended[0].outcome, SessionOutcome::kPassed);
    EXPECT_EQ(server->out.ended[0].surplus, 1U);
    EXPECT_EQ(server->out.ended[0].correct, 3U);
}

TEST_F(ExchangeTest, DuplicatedCommandFailsTheSessionInStrictMode) {
    ServerPolicy policy = fixed_commands(3);
    policy.strict = true;
    start_server(policy);
    random.append({1, 2, 0, 1, 2});
    ClientNode& client = add_client("12345");
    run();
    advance(3s, /*deliver=*/false);
    ASSERT_TRUE(broker.duplicate_first(
        [&](const Packet& p) { return p.to == client.id && p.payload == "CMD1"; }));
    run();
    EXPECT_EQ(server->out.verdicts(), (Verdicts{Verdict::kCorrect, Verdict::kSurplus,
                                                Verdict::kAfterEnd, Verdict::kAfterEnd}));
    ASSERT_EQ(server->out.ended.size(), 1U);
    EXPECT_EQ(server->out.ended[0].outcome, SessionOutcome::kFailed);
    EXPECT_EQ(server->out.ended[0].reason, "surplus reply to CMD1 (strict mode)");
    EXPECT_EQ(client.session.state(), ClientSession::State::kInSession);
}

TEST_F(ExchangeTest, DuplicateOfTheLastCommandIsAnsweredButItsReplyComesAfterTheEnd) {
    start_server(fixed_commands(2));
    random.append({1, 2, 0, 1});
    ClientNode& client = add_client("12345");
    run();
    advance(3s, /*deliver=*/false);
    ASSERT_TRUE(broker.duplicate_first(
        [&](const Packet& p) { return p.to == client.id && p.payload == "CMD2"; }));
    run();
    EXPECT_EQ(client.session.counts().replies, 3U);
    EXPECT_EQ(client.session.outcome(), ClientOutcome::kPassed);
    EXPECT_EQ(server->out.verdicts(),
              (Verdicts{Verdict::kCorrect, Verdict::kCorrect, Verdict::kAfterEnd}));
    ASSERT_EQ(server->out.ended.size(), 1U);
    EXPECT_EQ(server->out.ended[0].outcome, SessionOutcome::kPassed);
}

// ---- timeouts -----------------------------------------------------------------------------------

TEST_F(ExchangeTest, ClientWithoutASessionIdGivesUpAfterTheLoginTimeout) {
    ClientNode& client = add_client("12345");  // no server is listening
    run();
    EXPECT_EQ(client.out.take_events(), Events{"login_sent 12345 qos=2"});
    advance(10s - 1ns);
    EXPECT_EQ(client.session.state(), ClientSession::State::kAwaitingSession);
    EXPECT_EQ(client.out.take_events(), Events{"login_sent 12345 qos=2 attempt=2"});
    client.out.actions.clear();
    advance(1ns);
    EXPECT_EQ(client.out.events, Events{"finished login_timeout"});
    EXPECT_EQ(client.out.actions, (Actions{unsubscribe_action("12345/UUID"), disconnect_action()}));
    EXPECT_EQ(client.session.outcome(), ClientOutcome::kLoginTimeout);
}

TEST_F(ExchangeTest, ClientWithoutCommandsGivesUpAfterTheIdleTimeout) {
    ServerPolicy policy;
    policy.delay = 40s;
    policy.session_timeout = 60s;
    start_server(policy);
    ClientNode& client = add_client("12345");
    run();
    const std::string sid = last_session_id();
    client.out.actions.clear();
    advance(30s - 1ns);
    EXPECT_EQ(client.session.state(), ClientSession::State::kInSession);
    advance(1ns);
    EXPECT_EQ(client.out.events.back(), "finished idle_timeout");
    EXPECT_EQ(client.out.actions, (Actions{unsubscribe_action(sid),
                                           unsubscribe_action("12345/UUID"), disconnect_action()}));
    advance(10s);
    EXPECT_FALSE(server->out.commands.empty());
    EXPECT_EQ(client.session.counts().commands, 0U);
    advance(20s);
    ASSERT_EQ(server->out.ended.size(), 1U);
    EXPECT_EQ(server->out.ended[0].outcome, SessionOutcome::kTimedOut);
}

TEST_F(ExchangeTest, ServerTimesOutASessionWhoseClientVanished) {
    start_server(fixed_commands(4));
    ClientNode& client = add_client("12345");
    run();
    broker.drop(client.id, /*keep_session=*/true);
    advance(30s - 1ns);
    EXPECT_EQ(server->out.commands.size(), 4U);
    EXPECT_EQ(server->out.ended.size(), 0U);
    advance(1ns);
    ASSERT_EQ(server->out.ended.size(), 1U);
    EXPECT_EQ(server->out.ended[0].outcome, SessionOutcome::kTimedOut);
    EXPECT_EQ(server->out.ended[0].reason, "4 of 4 commands unanswered after the session timeout");
    EXPECT_EQ(server->issuer.counts().failed, 1U);
}

// ---- wrong and stray replies --------------------------------------------------------------------

TEST_F(ExchangeTest, WrongReplyWordFailsTheSession) {
    start_server(fixed_commands(3));
    random.append({1, 2, 0, 1, 2});
    auto table = CommandTable::parse("CMD1 Apple\nCMD2 Dog\nCMD3 Dog\n");
    ASSERT_TRUE(table) << table.error();
    ClientOptions options;
    options.table = table.value();
    ClientNode& client = add_client("12345", options);
    run();
    advance(3s);
    EXPECT_EQ(server->out.verdicts(),
              (Verdicts{Verdict::kCorrect, Verdict::kWrong, Verdict::kAfterEnd}));
    ASSERT_EQ(server->out.ended.size(), 1U);
    EXPECT_EQ(server->out.ended[0].outcome, SessionOutcome::kFailed);
    EXPECT_EQ(server->out.ended[0].reason, "wrong reply 'Dog' to CMD2 (expected 'Cat')");
    EXPECT_EQ(server->out.ended[0].wrong, 1U);
    for (const Action& action : server->out.publications()) {
        EXPECT_NE(action.payload, kWellDone);
    }
    EXPECT_EQ(server->issuer.counts().failed, 1U);
    advance(30s);
    EXPECT_EQ(client.session.outcome(), ClientOutcome::kIdleTimeout);
}

TEST_F(ExchangeTest, RepliesForAnUnknownSessionOrAfterTheEndAreRecordedAndIgnored) {
    start_server(fixed_commands(2));
    add_client("12345");
    run();
    const std::string sid = last_session_id();
    publish_as_outsider("no-such-session/CMD1", "Apple");
    run();
    ASSERT_EQ(server->out.replies.size(), 1U);
    EXPECT_EQ(server->out.replies[0].session_id, "no-such-session");
    EXPECT_EQ(server->out.replies[0].verdict, Verdict::kUnknownSession);
    advance(3s);
    ASSERT_EQ(server->out.ended.size(), 1U);
    ASSERT_EQ(server->out.ended[0].outcome, SessionOutcome::kPassed);
    const std::size_t publications = server->out.publications().size();

    publish_as_outsider(sid + "/CMD1", "Apple");
    run();
    EXPECT_EQ(server->out.verdicts().back(), Verdict::kAfterEnd);
    advance(10min);
    publish_as_outsider(sid + "/CMD1", "Apple");
    run();
    EXPECT_EQ(server->out.verdicts().back(), Verdict::kUnknownSession);
    EXPECT_EQ(server->out.publications().size(), publications);
    EXPECT_EQ(server->out.ended.size(), 1U);
}

// ---- repeated logins ---------------------------------------------------------------------------

TEST_F(ExchangeTest, LoginDeliveredTwiceBeforeCommandsGetsTheSameSessionIdAgain) {
    start_server();
    ClientNode& client = add_client("12345");
    ASSERT_TRUE(broker.deliver_next());  // SUBACK: the login goes out
    ASSERT_TRUE(broker.duplicate_first(message_to_server()));
    run();
    ASSERT_EQ(server->out.issued.size(), 2U);
    const std::string sid = server->out.issued[0].session_id;
    EXPECT_FALSE(server->out.issued[0].repeated);
    EXPECT_EQ(server->out.issued[1].session_id, sid);
    EXPECT_TRUE(server->out.issued[1].repeated);
    EXPECT_EQ(client.out.events, (Events{"login_sent 12345 qos=2", "session " + sid}));
    EXPECT_EQ(client.out.actions,
              (Actions{subscribe_action("12345/UUID", 2), publish_action("login", "12345", 2),
                       subscribe_action(sid, 2)}));
    advance(3s);
    EXPECT_EQ(client.session.outcome(), ClientOutcome::kPassed);
    ASSERT_EQ(server->out.ended.size(), 1U);
    EXPECT_EQ(server->out.ended[0].outcome, SessionOutcome::kPassed);
}

TEST_F(ExchangeTest, NewLoginAfterCommandsAbandonsTheOldSession) {
    start_server();
    ClientNode& first = add_client("12345");
    run();
    const std::string old_sid = last_session_id();
    advance(3s, /*deliver=*/false);
    ASSERT_GT(broker.count_in_flight(message_to(first)), 0U);
    broker.drop(first.id, /*keep_session=*/false);  // the device crashed; its commands are lost

    ClientNode& second = add_client("12345");
    run();
    ASSERT_EQ(server->out.ended.size(), 1U);
    EXPECT_EQ(server->out.ended[0].session_id, old_sid);
    EXPECT_EQ(server->out.ended[0].outcome, SessionOutcome::kAbandoned);
    EXPECT_EQ(server->out.ended[0].reason, "the same user ID logged in again");
    ASSERT_EQ(server->out.issued.size(), 2U);
    const std::string new_sid = server->out.issued[1].session_id;
    EXPECT_NE(new_sid, old_sid);
    EXPECT_FALSE(server->out.issued[1].repeated);
    EXPECT_EQ(second.session.session_id(), new_sid);
    advance(3s);
    EXPECT_EQ(second.session.outcome(), ClientOutcome::kPassed);
    ASSERT_EQ(server->out.ended.size(), 2U);
    EXPECT_EQ(server->out.ended[1].session_id, new_sid);
    EXPECT_EQ(server->out.ended[1].outcome, SessionOutcome::kPassed);
    EXPECT_EQ(first.session.counts().commands, 0U);
}

TEST_F(ExchangeTest, LoginBeyondMaxSessionsIsRefusedAndThatClientTimesOut) {
    ServerPolicy policy;
    policy.max_sessions = 2;
    start_server(policy);
    ClientNode& a = add_client("a");
    ClientNode& b = add_client("b");
    ClientOptions no_retry;
    no_retry.login_retry = 1h;
    ClientNode& c = add_client("c", no_retry);
    run();
    ASSERT_EQ(server->out.refused.size(), 1U);
    EXPECT_EQ(server->out.refused[0].user_id, "c");
    EXPECT_EQ(server->out.refused[0].reason, "the server is at its limit of 2 sessions in flight");
    EXPECT_EQ(server->out.issued.size(), 2U);
    advance(3s);
    EXPECT_EQ(a.session.outcome(), ClientOutcome::kPassed);
    EXPECT_EQ(b.session.outcome(), ClientOutcome::kPassed);
    EXPECT_EQ(c.session.state(), ClientSession::State::kAwaitingSession);
    advance(7s);
    EXPECT_EQ(c.session.outcome(), ClientOutcome::kLoginTimeout);

    ClientNode& again = add_client("c");
    run();
    advance(3s);
    EXPECT_EQ(again.session.outcome(), ClientOutcome::kPassed);
    EXPECT_EQ(server->issuer.counts().passed, 3U);
    EXPECT_EQ(server->issuer.counts().logins_refused, 1U);
}

TEST_F(ExchangeTest, ClientRefusedAtTheServersLimitGetsASessionOnItsLoginRetry) {
    ServerPolicy policy;
    policy.max_sessions = 1;
    start_server(policy);
    ClientNode& a = add_client("a");
    ClientNode& b = add_client("b");
    run();
    ASSERT_EQ(server->out.refused.size(), 1U);
    EXPECT_EQ(server->out.refused[0].user_id, "b");
    advance(3s);
    EXPECT_EQ(a.session.outcome(), ClientOutcome::kPassed);
    advance(2s);  // b's login retry, 5 s after its first login
    EXPECT_EQ(b.session.state(), ClientSession::State::kInSession);
    advance(3s);
    EXPECT_EQ(b.session.outcome(), ClientOutcome::kPassed);
    EXPECT_EQ(server->issuer.counts().passed, 2U);
}

// A login the server never saw (it was down, or crashed before it recorded it) is sent again.
TEST_F(ExchangeTest, LoginLostWhileNoServerListenedIsRetriedAndThenPasses) {
    ClientNode& client = add_client("12345");
    run();  // nobody subscribes to `login`: the login is gone
    start_server();
    EXPECT_TRUE(server->out.issued.empty());
    advance(5s);
    const std::string sid = last_session_id();
    ASSERT_FALSE(sid.empty());
    EXPECT_EQ(client.session.session_id(), sid);
    advance(3s);
    EXPECT_EQ(client.session.outcome(), ClientOutcome::kPassed);
    EXPECT_EQ(client.out.events.front(), "login_sent 12345 qos=2");
    EXPECT_EQ(client.out.events[1], "login_sent 12345 qos=2 attempt=2");
}

// The login retry raced the first session ID: the server had begun that session, so it
// abandons it and issues another, which the client follows to the end.
TEST_F(ExchangeTest, ClientFollowsTheNewSessionWhenItsLoginRetryAbandonedTheFirst) {
    ServerPolicy policy = fixed_commands(3);
    policy.delay = 4s;
    start_server(policy);
    ClientNode& client = add_client("12345");
    ASSERT_TRUE(broker.deliver_next());                      // SUBACK: the login goes out
    ASSERT_TRUE(broker.deliver_first(message_to_server()));  // the server issues a session
    const std::string first_sid = last_session_id();
    advance(4s, /*deliver=*/false);  // its commands leave; the session ID is still held up
    advance(1s, /*deliver=*/false);  // the client's login retry
    run();
    ASSERT_EQ(server->out.issued.size(), 2U);
    const std::string second_sid = last_session_id();
    EXPECT_NE(second_sid, first_sid);
    EXPECT_EQ(client.session.session_id(), second_sid);
    advance(4s);
    EXPECT_EQ(client.session.outcome(), ClientOutcome::kPassed);
    ASSERT_EQ(server->out.ended.size(), 2U);
    EXPECT_EQ(server->out.ended[0].outcome, SessionOutcome::kAbandoned);
    EXPECT_EQ(server->out.ended[1].outcome, SessionOutcome::kPassed);
}

// ---- reconnects ---------------------------------------------------------------------------------

TEST_F(ExchangeTest, ReconnectWithoutSessionWhileAwaitingTheSessionIdLogsInAgain) {
    start_server();
    ClientNode& client = add_client("12345");
    ASSERT_TRUE(broker.deliver_next());                         // SUBACK: login
    ASSERT_TRUE(broker.deliver_first(message_to_server()));     // login: session ID out
    ASSERT_EQ(broker.count_in_flight(message_to(client)), 1U);  // the session ID
    broker.drop(client.id, /*keep_session=*/false);             // ... lost with the session
    EXPECT_EQ(broker.lost.size(), 1U);
    client.out.actions.clear();

    client.connect(/*session_present=*/false);
    EXPECT_EQ(client.out.actions, (Actions{subscribe_action("12345/UUID", 2)}));
    run();
    const std::string sid = last_session_id();
    ASSERT_EQ(server->out.issued.size(), 2U);
    EXPECT_EQ(server->out.issued[0].session_id, sid);
    EXPECT_TRUE(server->out.issued[1].repeated);
    EXPECT_EQ(client.out.events, (Events{"login_sent 12345 qos=2",
                                         "login_sent 12345 qos=2 attempt=2", "session " + sid}));
    advance(3s);
    EXPECT_EQ(client.session.outcome(), ClientOutcome::kPassed);
}

TEST_F(ExchangeTest, ReconnectWithoutSessionInSessionResubscribesTheSessionTopic) {
    start_server();
    ClientNode& client = add_client("12345");
    run();
    const std::string sid = last_session_id();
    broker.drop(client.id, /*keep_session=*/false);
    client.out.actions.clear();
    client.connect(/*session_present=*/false);
    EXPECT_EQ(client.out.actions,
              (Actions{subscribe_action("12345/UUID", 2), subscribe_action(sid, 2)}));
    run();
    advance(3s);
    EXPECT_EQ(client.session.outcome(), ClientOutcome::kPassed);
    EXPECT_EQ(server->out.issued.size(), 1U);
}

TEST_F(ExchangeTest, ReconnectWithSessionPresentLosesNoCommandAndAnswersEachOnce) {
    start_server(fixed_commands(5));
    ClientNode& client = add_client("12345");
    run();
    advance(3s, /*deliver=*/false);
    broker.drop(client.id, /*keep_session=*/true);
    client.out.actions.clear();
    client.connect(/*session_present=*/true);
    const std::string sid = last_session_id();
    EXPECT_EQ(client.out.actions,
              (Actions{subscribe_action("12345/UUID", 2), subscribe_action(sid, 2)}));
    run();
    EXPECT_EQ(client.session.counts().replies, 5U);
    EXPECT_EQ(server->out.verdicts(), Verdicts(5, Verdict::kCorrect));
    EXPECT_EQ(client.session.outcome(), ClientOutcome::kPassed);
    EXPECT_EQ(broker.lost.size(), 0U);
}

TEST_F(ExchangeTest, StaleSessionIdArrivingBeforeTheLoginIsIgnored) {
    start_server();
    ClientNode& client = add_client("12345");
    publish_as_outsider("12345/UUID", "old-session");  // left over from an earlier run
    ASSERT_TRUE(broker.deliver_first(message_to(client)));
    EXPECT_EQ(client.out.events,
              (Events{"ignored 12345/UUID: a session ID that arrived before the login was sent"}));
    run();
    const std::string sid = last_session_id();
    EXPECT_EQ(client.session.session_id(), sid);
    EXPECT_NE(sid, "old-session");
    advance(3s);
    EXPECT_EQ(client.session.outcome(), ClientOutcome::kPassed);
}

// ---- pacing and scale
// ----------------------------------------------------------------------------

TEST_F(ExchangeTest, LockstepPacingSendsOneCommandAtATime) {
    ServerPolicy policy = fixed_commands(5);
    policy.pacing = Pacing::kLockstep;
    start_server(policy);
    ClientNode& client = add_client("12345");
    run();
    advance(3s, /*deliver=*/false);
    for (std::size_t i = 0; i < 5; ++i) {
        EXPECT_EQ(server->out.commands.size(), i + 1);
        ASSERT_EQ(broker.in_flight(), 1U);
        ASSERT_EQ(broker.count_in_flight(message_to(client)), 1U);
        ASSERT_TRUE(broker.deliver_next());  // the command
        EXPECT_EQ(server->out.commands.size(), i + 1);
        ASSERT_TRUE(broker.deliver_next());  // its reply
    }
    EXPECT_EQ(server->out.commands.size(), 5U);
    run();
    EXPECT_EQ(client.session.outcome(), ClientOutcome::kPassed);
    EXPECT_EQ(server->out.verdicts(), Verdicts(5, Verdict::kCorrect));
}

TEST_F(ExchangeTest, ThousandSessionsRunConcurrentlyThroughOneIssuer) {
    constexpr int kClients = 1000;
    ServerPolicy policy;
    policy.qos = std::nullopt;
    start_server(policy);
    for (int i = 0; i < kClients; ++i) add_client("user" + std::to_string(i));
    run();
    EXPECT_EQ(server->issuer.active_sessions(), static_cast<std::size_t>(kClients));
    advance(3s);
    for (const auto& client : clients) {
        ASSERT_EQ(client->session.outcome(), ClientOutcome::kPassed) << client->session.user_id();
    }
    std::unordered_set<std::string> sids;
    for (const auto& issued : server->out.issued) sids.insert(issued.session_id);
    EXPECT_EQ(sids.size(), static_cast<std::size_t>(kClients));
    EXPECT_EQ(server->issuer.counts().passed, static_cast<std::uint64_t>(kClients));
    EXPECT_EQ(server->issuer.counts().failed, 0U);
    EXPECT_EQ(server->issuer.active_sessions(), 0U);
    for (const auto& reply : server->out.replies) ASSERT_EQ(reply.verdict, Verdict::kCorrect);
}

// ---- garbage
// -------------------------------------------------------------------------------------

TEST_F(ExchangeTest, MalformedPayloadsNeverDisturbEitherSide) {
    start_server(fixed_commands(3));
    ClientNode& client = add_client("12345");
    run();
    const std::string sid = last_session_id();
    client.out.events.clear();
    const std::vector<std::string> garbage = {"", std::string(300, 'A'),
                                              std::string("\xFF\xFE\x00\x01"sv), "\xC0\xAF"};
    for (const std::string& payload : garbage) {
        publish_as_outsider("login", payload);
        publish_as_outsider("12345/UUID", payload);
        publish_as_outsider(sid, payload);
        publish_as_outsider(sid + "/CMD1", payload);
    }
    run();
    ASSERT_EQ(server->out.refused.size(), 4U);
    EXPECT_EQ(server->out.refused[0].reason, "payload is empty");
    EXPECT_EQ(server->out.refused[1].reason, "payload is 300 bytes long; at most 256 are allowed");
    EXPECT_EQ(server->out.refused[2].reason, "payload is not valid UTF-8");
    EXPECT_EQ(server->out.refused[3].reason, "payload is not valid UTF-8");
    ASSERT_EQ(server->out.ignored.size(), 4U);
    EXPECT_EQ(server->out.ignored[0].reason, "reply payload is empty");
    EXPECT_EQ(server->out.replies.size(), 0U);
    EXPECT_EQ(client.out.events.size(), 8U);
    for (const std::string& event : client.out.events) {
        EXPECT_TRUE(test_support::StartsWith(event, "ignored ")) << event;
    }
    EXPECT_EQ(client.session.counts().ignored, 8U);
    EXPECT_EQ(server->issuer.active_sessions(), 1U);

    advance(3s);
    EXPECT_EQ(client.session.outcome(), ClientOutcome::kPassed);
    ASSERT_EQ(server->out.ended.size(), 1U);
    EXPECT_EQ(server->out.ended[0].outcome, SessionOutcome::kPassed);
}

}  // namespace
}  // namespace cmdlink::core
