#include "net/mqtt_connection.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "broker/loopback_port.hpp"
#include "broker/private_broker.hpp"
#include "loop_guard.hpp"
#include "net/mosquitto_library.hpp"
#include "recording_listener.hpp"

namespace cmdlink::net {
namespace {

using namespace std::chrono_literals;

class MqttConnectionTest : public ::testing::Test {
  protected:
    void SetUp() override {
        auto started = broker::PrivateBroker::start(broker_options());
        ASSERT_TRUE(started) << started.error();
        broker_ = std::move(started.value());
        loop_ = make_loop();
        ASSERT_NE(loop_, nullptr);
    }

    virtual broker::BrokerOptions broker_options() { return {}; }

    MqttOptions options(const std::string& client_id) const {
        MqttOptions options;
        options.port = broker_->port();
        options.client_id = client_id;
        options.clean_session = true;
        options.reconnect_min = 20ms;
        return options;
    }

    std::unique_ptr<MqttConnection> connect(const MqttOptions& options,
                                            RecordingListener& listener) {
        auto created = MqttConnection::create(*loop_, options, listener);
        EXPECT_TRUE(created) << created.error();
        if (!created) return nullptr;
        auto started = created.value()->connect();
        EXPECT_TRUE(started) << started.error();
        return std::move(created.value());
    }

    // Connects and, once connected, subscribes to `topic` and waits for the SUBACK.
    std::unique_ptr<MqttConnection> subscribed(const std::string& client_id,
                                               const std::string& topic, int qos,
                                               RecordingListener& listener) {
        std::unique_ptr<MqttConnection> connection;
        listener.when_connected = [&] { connection->subscribe(topic, qos); };
        listener.when_subscribed = [&] { loop_->stop(); };
        connection = connect(options(client_id), listener);
        if (!connection) return nullptr;
        run_bounded(*loop_);
        listener.when_connected = nullptr;
        listener.when_subscribed = nullptr;
        EXPECT_EQ(listener.subscriptions.size(), 1U);
        return connection;
    }

    MosquittoLibrary library_;
    std::unique_ptr<broker::PrivateBroker> broker_;
    std::unique_ptr<EventLoop> loop_;
};

TEST_F(MqttConnectionTest, ConnectsAndReportsTheGrantedQosOfASubscription) {
    RecordingListener listener;
    auto connection = subscribed("sub-qos", "t/qos", 2, listener);
    ASSERT_NE(connection, nullptr);
    EXPECT_TRUE(connection->connected());
    EXPECT_EQ(listener.connects, 1);
    EXPECT_EQ(listener.subscriptions.front(), (std::pair<std::string, int>{"t/qos", 2}));
}

TEST_F(MqttConnectionTest, DeliversPublishesAtEachQos) {
    RecordingListener receiver;
    auto subscriber = subscribed("receiver", "t/each", 2, receiver);
    ASSERT_NE(subscriber, nullptr);
    RecordingListener sender;
    std::unique_ptr<MqttConnection> publisher;
    sender.when_connected = [&] {
        for (int qos = 0; qos <= 2; ++qos) {
            publisher->publish("t/each", "payload " + std::to_string(qos), qos);
        }
    };
    receiver.when_message = [&] {
        if (receiver.messages.size() == 3) loop_->stop();
    };
    publisher = connect(options("sender"), sender);
    run_bounded(*loop_);
    ASSERT_EQ(receiver.messages.size(), 3U);
    for (int qos = 0; qos <= 2; ++qos) {
        const auto& message = receiver.messages[static_cast<std::size_t>(qos)];
        EXPECT_EQ(message.payload, "payload " + std::to_string(qos));
        EXPECT_EQ(message.qos, qos);
    }
    EXPECT_EQ(publisher->stats().messages_out, 3U);
    EXPECT_EQ(subscriber->stats().messages_in, 3U);
}

TEST_F(MqttConnectionTest, AReplyPublishedInsideAMessageCallbackLeavesBeforeTheLoopWaits) {
    RecordingListener echo_listener;
    auto echo = subscribed("echo", "t/request", 1, echo_listener);
    ASSERT_NE(echo, nullptr);
    std::uint64_t request_turn = 0;
    std::uint64_t flushed_turn = 0;
    bool pending_after_flush = true;
    BeforeSleepTask probe(*loop_, [&] {
        flushed_turn = loop_->turns();
        pending_after_flush = echo->has_pending_output();
    });
    echo_listener.when_message = [&] {
        request_turn = loop_->turns();
        echo->publish("t/reply", echo_listener.messages.back().payload, 1);
        // Inside the callback libmosquitto only queues; scheduled after the publish, the
        // probe runs after the connection's flush in the same round.
        EXPECT_TRUE(echo->has_pending_output());
        probe.schedule();
    };
    RecordingListener asker_listener;
    auto asker = subscribed("asker", "t/reply", 1, asker_listener);
    ASSERT_NE(asker, nullptr);
    asker_listener.when_message = [&] { loop_->stop(); };
    asker->publish("t/request", "ping", 1);
    run_bounded(*loop_);
    ASSERT_EQ(asker_listener.messages.size(), 1U);
    EXPECT_EQ(asker_listener.messages.front().payload, "ping");
    EXPECT_EQ(flushed_turn, request_turn);
    EXPECT_FALSE(pending_after_flush);
}

TEST_F(MqttConnectionTest, AQos2ReplyToAQos2MessageCompletesBothExchanges) {
    RecordingListener echo_listener;
    auto echo = subscribed("echo2", "t/request2", 2, echo_listener);
    ASSERT_NE(echo, nullptr);
    echo_listener.when_message = [&] { echo->publish("t/reply2", "pong", 2); };
    RecordingListener asker_listener;
    auto asker = subscribed("asker2", "t/reply2", 2, asker_listener);
    ASSERT_NE(asker, nullptr);
    int rounds = 0;
    asker_listener.when_message = [&] {
        if (++rounds == 20) {
            loop_->stop();
        } else {
            asker->publish("t/request2", "ping", 2);
        }
    };
    asker->publish("t/request2", "ping", 2);
    run_bounded(*loop_);
    EXPECT_EQ(rounds, 20);
}

TEST_F(MqttConnectionTest, SubscribingToAnInvalidFilterIsReportedToTheListener) {
    RecordingListener listener;
    auto connection = subscribed("bad-filter", "t/ok", 0, listener);
    ASSERT_NE(connection, nullptr);
    connection->subscribe("t/#/not-last", 0);
    ASSERT_EQ(listener.failures.size(), 1U);
    EXPECT_NE(listener.failures.front().find("t/#/not-last"), std::string::npos);
    EXPECT_EQ(connection->last_error(), listener.failures.front());
    EXPECT_EQ(connection->stats().failed_requests, 1U);
}

TEST_F(MqttConnectionTest, PublishingToAWildcardTopicIsReportedToTheListener) {
    RecordingListener listener;
    auto connection = subscribed("bad-topic", "t/ok", 0, listener);
    ASSERT_NE(connection, nullptr);
    connection->publish("t/+", "x", 1);
    ASSERT_EQ(listener.failures.size(), 1U);
    EXPECT_NE(listener.failures.front().find("cannot publish to 't/+'"), std::string::npos)
        << listener.failures.front();
    EXPECT_EQ(connection->stats().messages_out, 0U);
}

TEST_F(MqttConnectionTest, AQos0PublishBeforeConnectingIsReportedAsLost) {
    RecordingListener listener;
    auto created = MqttConnection::create(*loop_, options("early"), listener);
    ASSERT_TRUE(created) << created.error();
    created.value()->publish("t/early", "x", 0);
    ASSERT_EQ(listener.failures.size(), 1U);
    EXPECT_NE(listener.failures.front().find("t/early"), std::string::npos);
}

TEST_F(MqttConnectionTest, DisconnectWaitsForOutstandingQos1Publishes) {
    RecordingListener receiver;
    auto subscriber = subscribed("drain-receiver", "t/drain", 1, receiver);
    ASSERT_NE(subscriber, nullptr);
    RecordingListener sender;
    std::unique_ptr<MqttConnection> publisher;
    sender.when_connected = [&] {
        for (int i = 0; i < 10; ++i) publisher->publish("t/drain", std::to_string(i), 1);
        publisher->disconnect();
    };
    sender.when_closed = [&] { loop_->stop(); };
    publisher = connect(options("drain-sender"), sender);
    run_bounded(*loop_);
    EXPECT_EQ(sender.closes, 1);
    EXPECT_FALSE(publisher->connected());
    // Everything acknowledged before the close has reached the broker; collect it.
    receiver.when_message = [&] {
        if (receiver.messages.size() == 10) loop_->stop();
    };
    if (receiver.messages.size() < 10) run_bounded(*loop_);
    EXPECT_EQ(receiver.messages.size(), 10U);
}

TEST_F(MqttConnectionTest, ReconnectsAfterTheBrokerRestarts) {
    RecordingListener listener;
    auto connection = subscribed("restart", "t/restart", 0, listener);
    ASSERT_NE(connection, nullptr);
    listener.when_lost = [&] {
        if (listener.losses.size() == 1) {
            auto restarted = broker_->restart();
            ASSERT_TRUE(restarted) << restarted.error();
        }
    };
    listener.when_connected = [&] { loop_->stop(); };
    ASSERT_TRUE(broker_->stop());
    run_bounded(*loop_, 15s);
    EXPECT_EQ(listener.connects, 2);
    EXPECT_GE(listener.losses.size(), 1U);
    EXPECT_GE(connection->stats().reconnects, 1U);
}

// ---- the first connect, failover brokers, the wait between attempts ----

int free_port() {
    auto port = broker::pick_free_loopback_port();
    EXPECT_TRUE(port) << port.error();
    return port ? port.value() : 0;
}

TEST_F(MqttConnectionTest, AFirstConnectWhereNothingListensIsRetriedUntilABrokerStartsThere) {
    const std::string address = "127.0.0.1:" + std::to_string(broker_->port());
    ASSERT_TRUE(broker_->stop());
    RecordingListener listener;
    listener.when_lost = [&] {
        if (listener.losses.size() == 2) {
            auto restarted = broker_->restart();
            ASSERT_TRUE(restarted) << restarted.error();
        }
    };
    listener.when_connected = [&] { loop_->stop(); };
    auto connection = connect(options("late-broker"), listener);
    ASSERT_NE(connection, nullptr);
    run_bounded(*loop_, 15s);
    EXPECT_EQ(listener.connects, 1);
    ASSERT_GE(listener.losses.size(), 2U);
    EXPECT_EQ(listener.losses.front(),
              "cannot connect to " + address + ": Connection refused: nothing listens on port " +
                  address.substr(address.rfind(':') + 1) +
                  " of 127.0.0.1 (is the broker running? is -p/--port right?)");
    EXPECT_TRUE(listener.refusals.empty());
}

TEST_F(MqttConnectionTest, WithTheFirstBrokerDeadItConnectsToTheNext) {
    const int dead = free_port();
    MqttOptions two = options("failover-first-dead");
    two.port = dead;
    two.failover = {{"127.0.0.1", broker_->port()}};
    RecordingListener listener;
    listener.when_connected = [&] { loop_->stop(); };
    auto connection = connect(two, listener);
    ASSERT_NE(connection, nullptr);
    run_bounded(*loop_);
    EXPECT_EQ(listener.connects, 1);
    EXPECT_EQ(connection->broker(), (BrokerAddress{"127.0.0.1", broker_->port()}));
    ASSERT_EQ(listener.losses.size(), 1U);
    EXPECT_NE(listener.losses.front().find("127.0.0.1:" + std::to_string(dead)), std::string::npos)
        << listener.losses.front();
}

TEST_F(MqttConnectionTest, ALostConnectionMovesOnToTheNextBrokerWithTheSameClientId) {
    auto second = broker::PrivateBroker::start({});
    ASSERT_TRUE(second) << second.error();
    MqttOptions two = options("failover-moving");
    two.failover = {{"127.0.0.1", second.value()->port()}};
    RecordingListener listener;
    listener.when_connected = [&] { loop_->stop(); };
    auto connection = connect(two, listener);
    ASSERT_NE(connection, nullptr);
    run_bounded(*loop_);
    ASSERT_EQ(listener.connects, 1);
    EXPECT_EQ(connection->broker().port, broker_->port());
    ASSERT_TRUE(broker_->stop());
    run_bounded(*loop_, 15s);
    EXPECT_EQ(listener.connects, 2);
    EXPECT_EQ(connection->broker().port, second.value()->port());
    EXPECT_EQ(connection->options().client_id, "failover-moving");
}

TEST_F(MqttConnectionTest, TheWaitBetweenAttemptsDoublesUpToItsCap) {
    MqttOptions nowhere = options("backoff");
    nowhere.port = free_port();
    nowhere.reconnect_min = 10ms;
    nowhere.reconnect_max = 40ms;
    RecordingListener listener;
    auto created = MqttConnection::create(*loop_, nowhere, listener);
    ASSERT_TRUE(created) << created.error();
    MqttConnection& connection = *created.value();
    // Each report comes just before the next attempt is scheduled: it sees the wait before
    // the attempt that failed.
    std::vector<core::Duration> waits;
    listener.when_lost = [&] {
        waits.push_back(connection.last_reconnect_delay());
        if (waits.size() == 6) loop_->stop();
    };
    ASSERT_TRUE(connection.connect());
    run_bounded(*loop_);
    EXPECT_EQ(waits, (std::vector<core::Duration>{0ms, 10ms, 20ms, 40ms, 40ms, 40ms}));
    EXPECT_EQ(listener.connects, 0);
    EXPECT_EQ(connection.stats().reconnects, 5U);
}

TEST_F(MqttConnectionTest, AConnectionThatGivesUpBeforeItsFirstConnectStopsRetrying) {
    MqttOptions nowhere = options("gives-up");
    nowhere.port = free_port();
    nowhere.reconnect_min = 10ms;
    RecordingListener listener;
    std::unique_ptr<MqttConnection> connection;
    listener.when_lost = [&] {
        if (listener.losses.size() == 2) connection->disconnect();
    };
    listener.when_closed = [&] { loop_->stop(); };
    auto created = MqttConnection::create(*loop_, nowhere, listener);
    ASSERT_TRUE(created) << created.error();
    connection = std::move(created.value());
    ASSERT_TRUE(connection->connect());
    run_bounded(*loop_);
    EXPECT_EQ(listener.closes, 1);
    EXPECT_EQ(listener.losses.size(), 2U);
}

class MqttConnectionWithUsersTest : public MqttConnectionTest {
  protected:
    broker::BrokerOptions broker_options() override {
        broker::BrokerOptions options;
        options.users.push_back({"alice", "right"});
        return options;
    }
};

TEST_F(MqttConnectionWithUsersTest, WrongCredentialsAreRefusedForGood) {
    RecordingListener listener;
    MqttOptions wrong = options("intruder");
    wrong.username = "alice";
    wrong.password = "wrong";
    listener.when_closed = [&] { loop_->stop(); };
    auto connection = connect(wrong, listener);
    ASSERT_NE(connection, nullptr);
    run_bounded(*loop_);
    ASSERT_EQ(listener.refusals.size(), 1U);
    EXPECT_NE(listener.refusals.front().find("refused"), std::string::npos);
    EXPECT_EQ(listener.connects, 0);
    EXPECT_EQ(connection->stats().reconnects, 0U);
}

TEST_F(MqttConnectionWithUsersTest, RightCredentialsConnect) {
    RecordingListener listener;
    MqttOptions right = options("alice-client");
    right.username = "alice";
    right.password = "right";
    listener.when_connected = [&] { loop_->stop(); };
    auto connection = connect(right, listener);
    ASSERT_NE(connection, nullptr);
    run_bounded(*loop_);
    EXPECT_EQ(listener.connects, 1);
}

}  // namespace
}  // namespace cmdlink::net

namespace cmdlink::net {
namespace {

class SwitchGate final : public WriteGate {
  public:
    [[nodiscard]] bool open() const override { return open_; }
    bool open_ = false;
};

TEST_F(MqttConnectionTest, NothingIsWrittenWhileTheWriteGateIsClosed) {
    RecordingListener receiver;
    auto subscriber = subscribed("gate-receiver", "t/gate", 1, receiver);
    ASSERT_NE(subscriber, nullptr);
    RecordingListener sender;
    std::unique_ptr<MqttConnection> publisher;
    SwitchGate gate;
    sender.when_connected = [&] {
        publisher->set_write_gate(&gate);
        publisher->publish("t/gate", "held", 1);
        loop_->add_timer(loop_->now() + 300ms, [&] { loop_->stop(); });
    };
    publisher = connect(options("gate-sender"), sender);
    run_bounded(*loop_);
    EXPECT_TRUE(receiver.messages.empty()) << "the gate let the publish through";
    EXPECT_TRUE(publisher->has_pending_output());
    receiver.when_message = [&] { loop_->stop(); };
    gate.open_ = true;
    publisher->write_gate_opened();
    run_bounded(*loop_);
    ASSERT_EQ(receiver.messages.size(), 1U);
    EXPECT_EQ(receiver.messages.front().payload, "held");
}

TEST_F(MqttConnectionTest, AMessageWhoseAcknowledgementTheGateHeldComesAgainAfterAbandon) {
    // A persistent session that reads a QoS 1 message but dies before its gate opens has not
    // acknowledged it: the broker delivers it again to the next connection.
    MqttOptions persistent = options("gate-persistent");
    persistent.clean_session = false;
    RecordingListener first;
    std::unique_ptr<MqttConnection> reader;
    SwitchGate gate;
    first.when_connected = [&] { reader->subscribe("t/ack", 1); };
    first.when_subscribed = [&] { loop_->stop(); };
    reader = connect(persistent, first);
    ASSERT_NE(reader, nullptr);
    run_bounded(*loop_);
    ASSERT_EQ(first.subscriptions.size(), 1U);
    reader->set_write_gate(&gate);
    first.when_message = [&] { loop_->add_timer(loop_->now() + 200ms, [&] { loop_->stop(); }); };
    RecordingListener sender;
    std::unique_ptr<MqttConnection> publisher;
    sender.when_connected = [&] { publisher->publish("t/ack", "once", 1); };
    publisher = connect(options("gate-ack-sender"), sender);
    run_bounded(*loop_);
    ASSERT_EQ(first.messages.size(), 1U);
    reader->abandon();
    EXPECT_EQ(first.closes, 1);
    reader.reset();

    RecordingListener second;
    second.when_message = [&] { loop_->stop(); };
    auto again = connect(persistent, second);
    ASSERT_NE(again, nullptr);
    run_bounded(*loop_);
    ASSERT_EQ(second.messages.size(), 1U) << "the broker forgot an unacknowledged message";
    EXPECT_EQ(second.messages.front().payload, "once");
}

TEST_F(MqttConnectionTest, ADisconnectCutWhileDrainingReconnectsAndCompletesTheDrain) {
    // A server's last QoS 2 message (the end of a session) is still in flight when it stops;
    // the connection is cut during the drain. Closing then would leave the message half
    // delivered for good; the drain must go on over a new connection to the same session.
    RecordingListener receiver;
    auto subscriber = subscribed("cut-drain-receiver", "t/cut-drain", 2, receiver);
    ASSERT_NE(subscriber, nullptr);
    MqttOptions persistent = options("cut-drain-sender");
    persistent.clean_session = false;
    RecordingListener sender;
    std::unique_ptr<MqttConnection> publisher;
    sender.when_connected = [&] { loop_->stop(); };
    publisher = connect(persistent, sender);
    ASSERT_NE(publisher, nullptr);
    run_bounded(*loop_);
    ASSERT_EQ(sender.connects, 1);
    // The gate keeps the publish queued, and the sender from reading, so that it has not
    // noticed the cut when the drain begins.
    SwitchGate gate;
    publisher->set_write_gate(&gate);
    publisher->publish("t/cut-drain", "the end", 2);
    publisher->disconnect();

    // The cut: another connection with the sender's client ID takes the session over, and the
    // broker closes the sender's connection.
    RecordingListener intruder;
    std::unique_ptr<MqttConnection> takeover;
    intruder.when_connected = [&] {
        takeover->abandon();
        loop_->stop();
    };
    takeover = connect(persistent, intruder);
    ASSERT_NE(takeover, nullptr);
    run_bounded(*loop_);
    ASSERT_EQ(intruder.connects, 1);

    sender.when_closed = [&] { loop_->stop(); };
    gate.open_ = true;
    publisher->write_gate_opened();
    run_bounded(*loop_);
    EXPECT_EQ(sender.closes, 1);
    EXPECT_GE(publisher->stats().reconnects, 1U);
    EXPECT_EQ(sender.connects, 1) << "a reconnect to finish the drain was reported as new";
    ASSERT_EQ(sender.delivered.size(), 1U) << "the drain ended before the broker had it";
    receiver.when_message = [&] { loop_->stop(); };
    if (receiver.messages.empty()) run_bounded(*loop_);
    ASSERT_EQ(receiver.messages.size(), 1U);
    EXPECT_EQ(receiver.messages.front().payload, "the end");
}

TEST_F(MqttConnectionTest, ReportsTheBrokersAcknowledgementOfEachQos1And2Publish) {
    RecordingListener sender;
    std::unique_ptr<MqttConnection> publisher;
    std::vector<int> ids;
    sender.when_connected = [&] {
        publisher->publish("t/acked", "zero", 0);
        EXPECT_EQ(publisher->last_message_id(), 0) << "QoS 0 has no acknowledgement";
        publisher->publish("t/acked", "one", 1);
        ids.push_back(publisher->last_message_id());
        publisher->publish("t/acked", "two", 2);
        ids.push_back(publisher->last_message_id());
    };
    sender.when_delivered = [&] {
        if (sender.delivered.size() == 2) loop_->stop();
    };
    publisher = connect(options("acked-sender"), sender);
    run_bounded(*loop_);
    ASSERT_EQ(ids.size(), 2U);
    EXPECT_NE(ids[0], 0);
    EXPECT_NE(ids[0], ids[1]);
    EXPECT_EQ(sender.delivered, ids);
}

}  // namespace
}  // namespace cmdlink::net
