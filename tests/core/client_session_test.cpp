#include "core/client_session.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "core/protocol.hpp"
#include "recording_output.hpp"

namespace cmdlink::core {
namespace {

using namespace std::chrono_literals;
using namespace std::string_view_literals;
using test_support::Action;
using test_support::disconnect_action;
using test_support::publish_action;
using test_support::RecordingClientOutput;
using test_support::subscribe_action;
using test_support::unsubscribe_action;
using Actions = std::vector<Action>;
using Events = std::vector<std::string>;

constexpr std::string_view kSessionId = "1b4e28ba-2fa1-41d2-883f-0016d3cca427";

ClientSession make_client(ClientOptions options) {
    auto created = ClientSession::create(std::move(options));
    EXPECT_TRUE(created) << created.error();
    return std::move(created.value());
}

ClientSession make_client(std::string user_id = "12345") {
    ClientOptions options;
    options.user_id = std::move(user_id);
    return make_client(std::move(options));
}

std::string create_error(ClientOptions options) {
    auto created = ClientSession::create(std::move(options));
    if (created) {
        ADD_FAILURE() << "the client was created";
        return {};
    }
    return created.error();
}

std::string create_error_for(std::string user_id) {
    ClientOptions options;
    options.user_id = std::move(user_id);
    return create_error(std::move(options));
}

// A client session and its recorder, with the clock in the test's hand.
class ClientSessionTest : public ::testing::Test {
  protected:
    void connect(bool session_present = false) {
        client.on_connected(session_present, now);
        replay(client, out);
    }
    void acknowledge(std::string_view topic, int granted_qos = 2) {
        client.on_subscribed(topic, granted_qos, now);
        replay(client, out);
    }
    void deliver(std::string_view topic, std::string_view payload, int qos = 2) {
        client.on_message(topic, payload, qos, now);
        replay(client, out);
    }
    void command(std::string_view payload, int qos = 1) { deliver(kSessionId, payload, qos); }

    // Connects, logs in and takes the session ID, then forgets what that produced.
    void reach_session() {
        connect();
        acknowledge("12345/UUID");
        deliver("12345/UUID", kSessionId);
        ASSERT_EQ(client.state(), ClientSession::State::kInSession);
        out.actions.clear();
        out.events.clear();
    }

    TimePoint now = TimePoint{} + 1h;
    ClientSession client = make_client();
    RecordingClientOutput out;
};

// ---- creation ----

TEST(ClientSessionCreate, RefusesAnInvalidUserIdWithAClearError) {
    EXPECT_EQ(create_error_for(""), "user ID is empty");
    EXPECT_EQ(create_error_for(std::string(65, '1')),
              "user ID is 65 bytes long; at most 64 are allowed");
    EXPECT_EQ(create_error_for("12/45"), "user ID contains '/', which MQTT topics reserve");
    EXPECT_EQ(create_error_for("12+45"), "user ID contains '+', which MQTT topics reserve");
    EXPECT_EQ(create_error_for("12#45"), "user ID contains '#', which MQTT topics reserve");
    EXPECT_EQ(create_error_for(std::string("12\0"
                                           "45"sv)),
              "user ID contains a NUL character");
    EXPECT_EQ(create_error_for("12\n45"), "user ID contains a control character");
}

TEST(ClientSessionCreate, RefusesALoginQosOutsideZeroToTwo) {
    ClientOptions options;
    options.user_id = "12345";
    options.login_qos = 3;
    EXPECT_EQ(create_error(options), "login QoS must be 0, 1 or 2");
    options.login_qos = -1;
    EXPECT_EQ(create_error(options), "login QoS must be 0, 1 or 2");
}

TEST(ClientSessionCreate, RefusesALoginRetryIntervalOfZero) {
    ClientOptions options;
    options.user_id = "12345";
    options.login_retry = 0s;
    EXPECT_EQ(create_error(options), "the login retry interval must be longer than zero");
}

TEST(ClientSessionCreate, StartsIdleWithNothingToWakeUpFor) {
    const ClientSession client = make_client();
    EXPECT_EQ(client.state(), ClientSession::State::kIdle);
    EXPECT_EQ(client.outcome(), ClientOutcome::kRunning);
    EXPECT_EQ(client.user_id(), "12345");
    EXPECT_EQ(client.session_id(), "");
    EXPECT_EQ(client.next_deadline(), kNever);
}

TEST(ClientOutcomeNames, AreStableWords) {
    EXPECT_EQ(to_string(ClientOutcome::kRunning), "running");
    EXPECT_EQ(to_string(ClientOutcome::kPassed), "passed");
    EXPECT_EQ(to_string(ClientOutcome::kLoginTimeout), "login_timeout");
    EXPECT_EQ(to_string(ClientOutcome::kIdleTimeout), "idle_timeout");
}

// ---- login ----

TEST_F(ClientSessionTest, ConnectSubscribesToTheSessionIdTopicAndPublishesNothingYet) {
    connect();
    EXPECT_EQ(out.actions, (Actions{subscribe_action("12345/UUID", 2)}));
    EXPECT_EQ(out.events, Events{});
    EXPECT_EQ(client.state(), ClientSession::State::kSubscribing);
    EXPECT_EQ(client.next_deadline(), now + 10s);
}

TEST_F(ClientSessionTest, LoginIsPublishedOnlyOnceTheSubscriptionIsAcknowledged) {
    connect();
    out.actions.clear();
    acknowledge("12345/UUID");
    EXPECT_EQ(out.actions, (Actions{publish_action("login", "12345", 2)}));
    EXPECT_EQ(out.events, (Events{"login_sent 12345 qos=2"}));
    EXPECT_EQ(client.state(), ClientSession::State::kAwaitingSession);
}

TEST_F(ClientSessionTest, AcknowledgementOfAnotherTopicDoesNotSendTheLogin) {
    connect();
    out.actions.clear();
    acknowledge("12345/uuid");
    acknowledge(kSessionId);
    EXPECT_EQ(out.actions, Actions{});
    EXPECT_EQ(client.state(), ClientSession::State::kSubscribing);
}

TEST_F(ClientSessionTest, RepeatedAcknowledgementSendsTheLoginOnce) {
    connect();
    acknowledge("12345/UUID");
    acknowledge("12345/UUID");
    EXPECT_EQ(out.publications(), (Actions{publish_action("login", "12345", 2)}));
}

TEST(ClientSessionLogin, UsesTheConfiguredLoginQos) {
    ClientOptions options;
    options.user_id = "777";
    options.login_qos = 0;
    ClientSession client = make_client(options);
    RecordingClientOutput out;
    client.on_connected(false, TimePoint{});
    replay(client, out);
    client.on_subscribed("777/UUID", 2, TimePoint{});
    replay(client, out);
    EXPECT_EQ(out.actions,
              (Actions{subscribe_action("777/UUID", 2), publish_action("login", "777", 0)}));
    EXPECT_EQ(out.events, (Events{"login_sent 777 qos=0"}));
}

TEST_F(ClientSessionTest, SessionIdMakesTheClientSubscribeToTheSessionTopic) {
    connect();
    acknowledge("12345/UUID");
    out.actions.clear();
    out.events.clear();
    now += 1s;
    deliver("12345/UUID", kSessionId);
    EXPECT_EQ(out.actions, (Actions{subscribe_action(std::string(kSessionId), 2)}));
    EXPECT_EQ(out.events, (Events{"session " + std::string(kSessionId)}));
    EXPECT_EQ(client.state(), ClientSession::State::kInSession);
    EXPECT_EQ(client.session_id(), kSessionId);
    EXPECT_EQ(client.next_deadline(), now + 30s);
}

TEST_F(ClientSessionTest, StaleSessionIdBeforeTheLoginIsIgnored) {
    connect();
    out.actions.clear();
    deliver("12345/UUID", "old-session");
    EXPECT_EQ(out.actions, Actions{});
    EXPECT_EQ(out.events,
              (Events{"ignored 12345/UUID: a session ID that arrived before the login was sent"}));
    EXPECT_EQ(client.state(), ClientSession::State::kSubscribing);
    EXPECT_EQ(client.session_id(), "");

    acknowledge("12345/UUID");
    deliver("12345/UUID", kSessionId);
    EXPECT_EQ(client.session_id(), kSessionId);
}

TEST_F(ClientSessionTest, SessionIdBeforeConnectingIsIgnored) {
    deliver("12345/UUID", kSessionId);
    EXPECT_EQ(out.actions, Actions{});
    EXPECT_EQ(client.state(), ClientSession::State::kIdle);
    EXPECT_EQ(client.counts().ignored, 1U);
}

TEST_F(ClientSessionTest, InvalidSessionIdsAreIgnoredAndTheClientKeepsWaiting) {
    connect();
    acknowledge("12345/UUID");
    out.actions.clear();
    out.events.clear();
    deliver("12345/UUID", "");
    deliver("12345/UUID", std::string(300, 'a'));
    deliver("12345/UUID", "\xFF\xFE\x00\x01"sv);
    deliver("12345/UUID", "a/b");
    deliver("12345/UUID", "#");
    deliver("12345/UUID", "a\tb");
    EXPECT_EQ(out.actions, Actions{});
    EXPECT_EQ(out.events,
              (Events{"ignored 12345/UUID: payload is empty",
                      "ignored 12345/UUID: payload is 300 bytes long; at most 256 are allowed",
                      "ignored 12345/UUID: payload is not valid UTF-8",
                      "ignored 12345/UUID: session ID contains '/', which MQTT topics reserve",
                      "ignored 12345/UUID: session ID contains '#', which MQTT topics reserve",
                      "ignored 12345/UUID: session ID contains a control character"}));
    EXPECT_EQ(client.state(), ClientSession::State::kAwaitingSession);
    EXPECT_EQ(client.counts().ignored, 6U);
}

TEST_F(ClientSessionTest, SameSessionIdAgainIsSilentlyAccepted) {
    reach_session();
    deliver("12345/UUID", kSessionId);
    EXPECT_EQ(out.actions, Actions{});
    EXPECT_EQ(out.events, Events{});
    EXPECT_EQ(client.counts().ignored, 0U);
}

TEST_F(ClientSessionTest, SecondDifferentSessionIdReplacesTheFirst) {
    reach_session();
    now += 1s;
    deliver("12345/UUID", "another-session");
    // The server abandoned the first session for a new one: the newest ID is the live one.
    EXPECT_EQ(out.actions, (Actions{unsubscribe_action(std::string(kSessionId)),
                                    subscribe_action("another-session", 2)}));
    EXPECT_EQ(out.events, (Events{"session another-session"}));
    EXPECT_EQ(client.session_id(), "another-session");
    EXPECT_EQ(client.next_deadline(), now + 30s);
    out.actions.clear();
    out.events.clear();
    deliver("another-session", "CMD1", 1);
    EXPECT_EQ(out.actions, (Actions{publish_action("another-session/CMD1", "Apple", 1)}));
}

TEST_F(ClientSessionTest, CommandsOfAReplacedSessionAreIgnored) {
    reach_session();
    deliver("12345/UUID", "another-session");
    out.actions.clear();
    out.events.clear();
    command("CMD1", 1);
    EXPECT_EQ(out.actions, Actions{});
    EXPECT_EQ(out.events,
              (Events{"ignored " + std::string(kSessionId) + ": not a topic of this session"}));
}

TEST_F(ClientSessionTest, ALateCopyOfAReplacedSessionIdIsIgnored) {
    reach_session();
    deliver("12345/UUID", "another-session");
    out.actions.clear();
    out.events.clear();
    deliver("12345/UUID", kSessionId);
    EXPECT_EQ(out.actions, Actions{});
    EXPECT_EQ(out.events, (Events{"ignored 12345/UUID: session ID " + std::string(kSessionId) +
                                  " was replaced"}));
    EXPECT_EQ(client.session_id(), "another-session");
}

// ---- commands ----

TEST_F(ClientSessionTest, ReplyUsesDeliveredQos) {
    reach_session();
    command("CMD1", 0);
    command("CMD2", 1);
    command("CMD3", 2);
    const std::string sid(kSessionId);
    EXPECT_EQ(out.actions, (Actions{publish_action(sid + "/CMD1", "Apple", 0),
                                    publish_action(sid + "/CMD2", "Cat", 1),
                                    publish_action(sid + "/CMD3", "Dog", 2)}));
    EXPECT_EQ(out.events, (Events{"answered CMD1 Apple qos=0", "answered CMD2 Cat qos=1",
                                  "answered CMD3 Dog qos=2"}));
}

TEST_F(ClientSessionTest, EveryCourseCommandGetsItsWord) {
    reach_session();
    for (const char* name : {"CMD7", "CMD6", "CMD5", "CMD4", "CMD3", "CMD2", "CMD1"}) {
        command(name, 1);
    }
    const std::string sid(kSessionId);
    EXPECT_EQ(
        out.actions,
        (Actions{publish_action(sid + "/CMD7", "Toy", 1), publish_action(sid + "/CMD6", "Girl", 1),
                 publish_action(sid + "/CMD5", "Boy", 1), publish_action(sid + "/CMD4", "Rat", 1),
                 publish_action(sid + "/CMD3", "Dog", 1), publish_action(sid + "/CMD2", "Cat", 1),
                 publish_action(sid + "/CMD1", "Apple", 1)}));
}

TEST_F(ClientSessionTest, RepeatedCommandIsAnsweredEachTime) {
    reach_session();
    command("CMD4", 1);
    command("CMD4", 1);
    command("CMD4", 2);
    const std::string topic = std::string(kSessionId) + "/CMD4";
    EXPECT_EQ(out.actions,
              (Actions{publish_action(topic, "Rat", 1), publish_action(topic, "Rat", 1),
                       publish_action(topic, "Rat", 2)}));
    EXPECT_EQ(client.counts().commands, 3U);
    EXPECT_EQ(client.counts().replies, 3U);
}

TEST_F(ClientSessionTest, UnknownCommandIsReportedNotAnsweredAndTheSessionGoesOn) {
    reach_session();
    command("CMD8", 1);
    command("cmd1", 2);
    EXPECT_EQ(out.actions, Actions{});
    EXPECT_EQ(out.events, (Events{"unknown CMD8 qos=1", "unknown cmd1 qos=2"}));
    EXPECT_EQ(client.state(), ClientSession::State::kInSession);
    command("CMD2", 1);
    EXPECT_EQ(out.actions, (Actions{publish_action(std::string(kSessionId) + "/CMD2", "Cat", 1)}));
    EXPECT_EQ(client.counts().commands, 3U);
    EXPECT_EQ(client.counts().unknown, 2U);
    EXPECT_EQ(client.counts().replies, 1U);
}

TEST_F(ClientSessionTest, MalformedCommandPayloadsAreIgnoredWithoutAReply) {
    reach_session();
    command("");
    command(std::string(300, 'A'));
    command("\xFF\xFE\x00\x01"sv);
    command("\xC0\xAF");
    EXPECT_EQ(out.actions, Actions{});
    const std::string prefix = "ignored " + std::string(kSessionId) + ": ";
    EXPECT_EQ(out.events, (Events{prefix + "payload is empty",
                                  prefix + "payload is 300 bytes long; at most 256 are allowed",
                                  prefix + "payload is not valid UTF-8",
                                  prefix + "payload is not valid UTF-8"}));
    EXPECT_EQ(client.state(), ClientSession::State::kInSession);
    EXPECT_EQ(client.counts().commands, 0U);
}

TEST_F(ClientSessionTest, CommandsOnAnotherTopicAreIgnored) {
    reach_session();
    deliver("other-session", "CMD1", 1);
    deliver(std::string(kSessionId) + "/CMD1", "Apple", 1);
    EXPECT_EQ(out.actions, Actions{});
    EXPECT_EQ(out.events, (Events{"ignored other-session: not a topic of this session",
                                  "ignored " + std::string(kSessionId) +
                                      "/CMD1: not a topic of this session"}));
}

TEST_F(ClientSessionTest, CommandOnTheSessionTopicBeforeTheSessionIsKnownIsIgnored) {
    connect();
    acknowledge("12345/UUID");
    out.actions.clear();
    deliver(kSessionId, "CMD1", 1);
    EXPECT_EQ(out.actions, Actions{});
    EXPECT_EQ(client.counts().commands, 0U);
}

TEST(ClientSessionTable, AnswersFromItsOwnTable) {
    auto table = CommandTable::parse("PING = \"pong\"\nCMD1 Banana\n");
    ASSERT_TRUE(table) << table.error();
    ClientOptions options;
    options.user_id = "u";
    options.table = table.value();
    ClientSession client = make_client(options);
    RecordingClientOutput out;
    client.on_connected(false, TimePoint{});
    replay(client, out);
    client.on_subscribed("u/UUID", 2, TimePoint{});
    replay(client, out);
    client.on_message("u/UUID", "s", 2, TimePoint{});
    replay(client, out);
    out.actions.clear();
    client.on_message("s", "PING", 2, TimePoint{});
    replay(client, out);
    client.on_message("s", "CMD1", 0, TimePoint{});
    replay(client, out);
    client.on_message("s", "CMD2", 1, TimePoint{});
    replay(client, out);
    EXPECT_EQ(out.actions, (Actions{publish_action("s/PING", "pong", 2),
                                    publish_action("s/CMD1", "Banana", 0)}));
}

// ---- the end ----

TEST_F(ClientSessionTest, WellDoneFinishesAsPassedThenUnsubscribesAndDisconnects) {
    reach_session();
    command("CMD1", 1);
    out.actions.clear();
    out.events.clear();
    command(kWellDone, 2);
    EXPECT_EQ(out.actions, (Actions{unsubscribe_action(std::string(kSessionId)),
                                    unsubscribe_action("12345/UUID"), disconnect_action()}));
    EXPECT_EQ(out.events, (Events{"finished passed"}));
    EXPECT_EQ(client.state(), ClientSession::State::kFinished);
    EXPECT_EQ(client.outcome(), ClientOutcome::kPassed);
    EXPECT_EQ(client.next_deadline(), kNever);
}

TEST_F(ClientSessionTest, WellDoneAtAnyQosFinishes) {
    reach_session();
    command(kWellDone, 0);
    EXPECT_EQ(client.outcome(), ClientOutcome::kPassed);
}

TEST_F(ClientSessionTest, WellDoneOnTheSessionIdTopicIsNotTheEnd) {
    reach_session();
    deliver("12345/UUID", kWellDone);
    EXPECT_EQ(client.state(), ClientSession::State::kInSession);
}

TEST_F(ClientSessionTest, NothingIsAnsweredAfterTheEnd) {
    reach_session();
    command(kWellDone, 2);
    out.actions.clear();
    out.events.clear();
    command("CMD1", 1);
    deliver("12345/UUID", "new-session");
    now += 1h;
    client.on_timer(now);
    replay(client, out);
    EXPECT_EQ(out.actions, Actions{});
    EXPECT_EQ(out.events,
              (Events{"ignored " + std::string(kSessionId) + ": the exchange is already over",
                      "ignored 12345/UUID: the exchange is already over"}));
    EXPECT_EQ(client.outcome(), ClientOutcome::kPassed);
}

// ---- timeouts ----

TEST_F(ClientSessionTest, NoSessionIdWithinTheLoginTimeoutEndsAsLoginTimeout) {
    connect();
    acknowledge("12345/UUID");
    const TimePoint deadline = now + 10s;
    client.on_timer(now + 5s);  // the login retry
    replay(client, out);
    out.actions.clear();
    out.events.clear();
    EXPECT_EQ(client.next_deadline(), deadline);
    client.on_timer(deadline - 1ns);
    replay(client, out);
    EXPECT_EQ(out.actions, Actions{});
    EXPECT_EQ(client.state(), ClientSession::State::kAwaitingSession);
    client.on_timer(deadline);
    replay(client, out);
    EXPECT_EQ(out.actions, (Actions{unsubscribe_action("12345/UUID"), disconnect_action()}));
    EXPECT_EQ(out.events, (Events{"finished login_timeout"}));
    EXPECT_EQ(client.outcome(), ClientOutcome::kLoginTimeout);
}

TEST_F(ClientSessionTest, LoginTimeoutAlsoCoversAnUnacknowledgedSubscription) {
    connect();
    client.on_timer(now + 10s);
    replay(client, out);
    EXPECT_EQ(client.outcome(), ClientOutcome::kLoginTimeout);
}

TEST(ClientSessionTimeouts, LoginTimeoutIsConfigurable) {
    ClientOptions options;
    options.user_id = "12345";
    options.login_timeout = 2s;
    ClientSession client = make_client(options);
    RecordingClientOutput out;
    client.on_connected(false, TimePoint{});
    replay(client, out);
    EXPECT_EQ(client.next_deadline(), TimePoint{} + 2s);
}

TEST_F(ClientSessionTest, ReconnectingDoesNotExtendTheLoginTimeout) {
    connect();
    now += 6s;
    connect(false);
    EXPECT_EQ(client.next_deadline(), now - 6s + 10s);
}

TEST_F(ClientSessionTest, NoCommandWithinTheIdleTimeoutEndsAsIdleTimeout) {
    reach_session();
    const TimePoint deadline = now + 30s;
    EXPECT_EQ(client.next_deadline(), deadline);
    client.on_timer(deadline - 1ns);
    replay(client, out);
    EXPECT_EQ(client.state(), ClientSession::State::kInSession);
    client.on_timer(deadline);
    replay(client, out);
    EXPECT_EQ(out.actions, (Actions{unsubscribe_action(std::string(kSessionId)),
                                    unsubscribe_action("12345/UUID"), disconnect_action()}));
    EXPECT_EQ(out.events, (Events{"finished idle_timeout"}));
    EXPECT_EQ(client.outcome(), ClientOutcome::kIdleTimeout);
}

TEST_F(ClientSessionTest, EveryMessageOnTheSessionTopicRestartsTheIdleTimeout) {
    reach_session();
    now += 20s;
    command("CMD1", 1);
    EXPECT_EQ(client.next_deadline(), now + 30s);
    now += 20s;
    command("CMD9", 1);  // unknown, still a sign of life
    EXPECT_EQ(client.next_deadline(), now + 30s);
    now += 20s;
    command("");  // malformed, likewise
    EXPECT_EQ(client.next_deadline(), now + 30s);
}

TEST_F(ClientSessionTest, TimerBeforeConnectingDoesNothing) {
    client.on_timer(now + 24h);
    replay(client, out);
    EXPECT_EQ(out.actions, Actions{});
    EXPECT_EQ(client.state(), ClientSession::State::kIdle);
}

// ---- login retry ----

TEST_F(ClientSessionTest, LoginIsPublishedAgainWhenNoSessionIdCameWithinTheRetryInterval) {
    connect();
    acknowledge("12345/UUID");
    out.actions.clear();
    out.events.clear();
    EXPECT_EQ(client.next_deadline(), now + 5s);
    client.on_timer(now + 5s - 1ns);
    replay(client, out);
    EXPECT_EQ(out.actions, Actions{});
    now += 5s;
    client.on_timer(now);
    replay(client, out);
    EXPECT_EQ(out.actions, (Actions{publish_action("login", "12345", 2)}));
    EXPECT_EQ(out.events, (Events{"login_sent 12345 qos=2 attempt=2"}));
    EXPECT_EQ(client.state(), ClientSession::State::kAwaitingSession);
    // The next retry would come after the login timeout, which wins.
    EXPECT_EQ(client.next_deadline(), now + 5s);
}

TEST(ClientSessionLoginRetry, RepeatsAtItsIntervalUntilTheLoginTimeout) {
    ClientOptions options;
    options.user_id = "12345";
    options.login_qos = 1;
    options.login_retry = 2s;
    options.login_timeout = 7s;
    ClientSession client = make_client(options);
    RecordingClientOutput out;
    const TimePoint start{};
    client.on_connected(false, start);
    client.on_subscribed("12345/UUID", 2, start);
    for (int step = 0; step < 100 && client.state() != ClientSession::State::kFinished; ++step) {
        client.on_timer(client.next_deadline());
        replay(client, out);
    }
    replay(client, out);
    EXPECT_EQ(out.publications(),
              (Actions{publish_action("login", "12345", 1), publish_action("login", "12345", 1),
                       publish_action("login", "12345", 1), publish_action("login", "12345", 1)}))
        << "at 0, 2, 4 and 6 s";
    EXPECT_EQ(client.outcome(), ClientOutcome::kLoginTimeout);
}

TEST_F(ClientSessionTest, ASessionIdEndsTheLoginRetries) {
    connect();
    acknowledge("12345/UUID");
    deliver("12345/UUID", kSessionId);
    out.actions.clear();
    client.on_timer(now + 5s);
    replay(client, out);
    EXPECT_EQ(out.actions, Actions{});
    EXPECT_EQ(client.next_deadline(), now + 30s);
}

TEST_F(ClientSessionTest, NoLoginRetryWhileTheSubscriptionIsUnacknowledged) {
    connect();
    out.actions.clear();
    EXPECT_EQ(client.next_deadline(), now + 10s);
    client.on_timer(now + 5s);
    replay(client, out);
    EXPECT_EQ(out.actions, Actions{});
}

TEST_F(ClientSessionTest, ALoginSentAgainAfterAReconnectRestartsTheRetryInterval) {
    connect();
    acknowledge("12345/UUID");
    now += 3s;
    connect(false);
    acknowledge("12345/UUID");
    EXPECT_EQ(client.next_deadline(), now + 5s);
}

// ---- reconnects ----

TEST_F(ClientSessionTest, ReconnectWhileSubscribingSubscribesAgain) {
    connect();
    out.actions.clear();
    connect(false);
    EXPECT_EQ(out.actions, (Actions{subscribe_action("12345/UUID", 2)}));
    connect(true);
    EXPECT_EQ(out.actions,
              (Actions{subscribe_action("12345/UUID", 2), subscribe_action("12345/UUID", 2)}));
    EXPECT_EQ(out.publications(), Actions{});
}

TEST_F(ClientSessionTest, ReconnectWithoutSessionWhileAwaitingTheSessionIdLogsInAgain) {
    connect();
    acknowledge("12345/UUID");
    out.actions.clear();
    out.events.clear();
    connect(false);
    EXPECT_EQ(out.actions, (Actions{subscribe_action("12345/UUID", 2)}));
    acknowledge("12345/UUID");
    EXPECT_EQ(out.actions,
              (Actions{subscribe_action("12345/UUID", 2), publish_action("login", "12345", 2)}));
    EXPECT_EQ(out.events, (Events{"login_sent 12345 qos=2 attempt=2"}));
}

TEST_F(ClientSessionTest, ReconnectWithSessionWhileAwaitingTheSessionIdSubscribesAgainAndWaitsOn) {
    connect();
    acknowledge("12345/UUID");
    out.actions.clear();
    out.events.clear();
    connect(true);
    // libmosquitto re-sends a QoS 2 login still in flight; the login retry covers the rest.
    EXPECT_EQ(out.actions, (Actions{subscribe_action("12345/UUID", 2)}));
    EXPECT_EQ(client.state(), ClientSession::State::kAwaitingSession);
    acknowledge("12345/UUID");
    EXPECT_EQ(out.publications(), Actions{});
    EXPECT_EQ(out.events, Events{});
}

TEST(ClientSessionReconnect, QosZeroLoginIsSentAgainEvenWhenTheSessionSurvived) {
    ClientOptions options;
    options.user_id = "12345";
    options.login_qos = 0;
    ClientSession client = make_client(options);
    RecordingClientOutput out;
    client.on_connected(false, TimePoint{});
    replay(client, out);
    client.on_subscribed("12345/UUID", 2, TimePoint{});
    replay(client, out);
    out.actions.clear();
    client.on_connected(true, TimePoint{});
    replay(client, out);
    client.on_subscribed("12345/UUID", 2, TimePoint{});
    replay(client, out);
    EXPECT_EQ(out.actions,
              (Actions{subscribe_action("12345/UUID", 2), publish_action("login", "12345", 0)}));
}

TEST_F(ClientSessionTest, SessionIdArrivingWhileResubscribingAfterLoginIsAccepted) {
    connect();
    acknowledge("12345/UUID");
    connect(false);
    out.actions.clear();
    deliver("12345/UUID", kSessionId);
    EXPECT_EQ(client.state(), ClientSession::State::kInSession);
    // The acknowledgement of the resubscription must not send a second login.
    acknowledge("12345/UUID");
    EXPECT_EQ(out.actions, (Actions{subscribe_action(std::string(kSessionId), 2)}));
}

TEST_F(ClientSessionTest, ReconnectWithoutSessionInSessionResubscribesBothTopics) {
    reach_session();
    connect(false);
    EXPECT_EQ(out.actions, (Actions{subscribe_action("12345/UUID", 2),
                                    subscribe_action(std::string(kSessionId), 2)}));
    EXPECT_EQ(out.events, Events{});
    EXPECT_EQ(client.state(), ClientSession::State::kInSession);
}

// The SUBSCRIBE to the session topic may have died with the connection although the broker
// kept the rest of our session: only a new one makes sure commands reach us.
TEST_F(ClientSessionTest, ReconnectWithSessionPresentInSessionResubscribesBothTopics) {
    reach_session();
    connect(true);
    EXPECT_EQ(out.actions, (Actions{subscribe_action("12345/UUID", 2),
                                    subscribe_action(std::string(kSessionId), 2)}));
    EXPECT_EQ(out.events, Events{});
    EXPECT_EQ(client.state(), ClientSession::State::kInSession);
    acknowledge("12345/UUID");
    acknowledge(kSessionId);
    EXPECT_EQ(out.publications(), Actions{}) << "no second login";
    command("CMD2", 2);
    EXPECT_EQ(out.publications(),
              (Actions{publish_action(std::string(kSessionId) + "/CMD2", "Cat", 2)}));
}

TEST_F(ClientSessionTest, EveryReconnectResubscribes) {
    reach_session();
    for (int reconnect = 0; reconnect < 3; ++reconnect) connect(reconnect % 2 == 0);
    EXPECT_EQ(out.actions.size(), 6U);
    EXPECT_EQ(out.publications(), Actions{});
}

TEST_F(ClientSessionTest, ReconnectAfterTheEndDoesNothing) {
    reach_session();
    command(kWellDone, 2);
    out.actions.clear();
    connect(false);
    EXPECT_EQ(out.actions, Actions{});
    EXPECT_EQ(client.state(), ClientSession::State::kFinished);
}

}  // namespace
}  // namespace cmdlink::core

namespace cmdlink::core {
namespace {

TEST_F(ClientSessionTest, RetainedSessionIdAfterTheLoginIsNotTakenForTheAnswer) {
    connect();
    acknowledge("12345/UUID");
    out.actions.clear();
    client.on_message("12345/UUID", "0b9f0c1e-0000-4000-8000-000000000000", 2, now, true);
    replay(client, out);
    EXPECT_EQ(client.state(), ClientSession::State::kAwaitingSession);
    EXPECT_TRUE(out.actions.empty());
    deliver("12345/UUID", kSessionId);
    EXPECT_EQ(client.session_id(), kSessionId);
}

// ---- the server's verdict (server --feedback) ----

namespace {

std::string verdict_json(std::string_view session_id, std::string_view outcome,
                         std::string_view reason) {
    return R"({"session_id":")" + std::string(session_id) + R"(","outcome":")" +
           std::string(outcome) + R"(","reason":")" + std::string(reason) +
           R"(","commands":3,"correct":1,"low_qos":0,"wrong":1,"surplus":0})";
}

}  // namespace

class HearingClientTest : public ClientSessionTest {
  protected:
    HearingClientTest() {
        ClientOptions options;
        options.user_id = "12345";
        options.hear_verdict = true;
        client = make_client(std::move(options));
    }
    void reach_hearing_session() {
        connect();
        acknowledge("12345/UUID");
        acknowledge("12345/result");
        deliver("12345/UUID", kSessionId);
        ASSERT_EQ(client.state(), ClientSession::State::kInSession);
        out.actions.clear();
        out.events.clear();
    }
};

TEST_F(HearingClientTest, SubscribesToItsResultTopicJustBeforeTheLogin) {
    connect();
    EXPECT_EQ(out.actions, (Actions{subscribe_action("12345/UUID", 2)}));
    out.actions.clear();
    acknowledge("12345/UUID");
    EXPECT_EQ(out.actions,
              (Actions{subscribe_action("12345/result", 2), publish_action("login", "12345", 2)}));
}

TEST_F(HearingClientTest, AFailingVerdictEndsTheSessionAtOnceWithTheServersReason) {
    reach_hearing_session();
    deliver("12345/result",
            verdict_json(kSessionId, "failed", "wrong reply 'Dog' to CMD2 (expected 'Cat')"), 1);
    EXPECT_EQ(out.events,
              (Events{"verdict " + std::string(kSessionId) +
                          " failed: wrong reply 'Dog' to CMD2 (expected 'Cat')",
                      "finished failed: the server ended the session as failed: wrong reply 'Dog' "
                      "to CMD2 (expected 'Cat')"}));
    EXPECT_EQ(client.outcome(), ClientOutcome::kFailed);
    EXPECT_EQ(out.actions, (Actions{unsubscribe_action(std::string(kSessionId)),
                                    unsubscribe_action("12345/UUID"),
                                    unsubscribe_action("12345/result"), disconnect_action()}));
}

TEST_F(HearingClientTest, APassingVerdictIsShownAndWellDoneStillEndsTheSession) {
    reach_hearing_session();
    deliver("12345/result", verdict_json(kSessionId, "passed", ""), 1);
    EXPECT_EQ(out.events, (Events{"verdict " + std::string(kSessionId) + " passed"}));
    EXPECT_EQ(client.state(), ClientSession::State::kInSession);
    command(kWellDone, 2);
    EXPECT_EQ(client.outcome(), ClientOutcome::kPassed);
}

TEST_F(HearingClientTest, AnAbandonedVerdictIsShownButANewerSessionIdIsStillFollowed) {
    reach_hearing_session();
    deliver("12345/result",
            verdict_json(kSessionId, "abandoned", "the same user ID logged in again"), 1);
    EXPECT_EQ(client.state(), ClientSession::State::kInSession);
    deliver("12345/UUID", "2c5f39cb-3fb2-42e3-994f-1127e4ddb538");
    EXPECT_EQ(client.session_id(), "2c5f39cb-3fb2-42e3-994f-1127e4ddb538");
}

TEST_F(HearingClientTest, AVerdictForAnotherSessionIsIgnoredSilently) {
    reach_hearing_session();
    deliver("12345/result",
            verdict_json("2c5f39cb-3fb2-42e3-994f-1127e4ddb538", "abandoned", "replaced"), 1);
    EXPECT_EQ(out.events, Events{});
    EXPECT_EQ(out.actions, Actions{});
    EXPECT_EQ(client.state(), ClientSession::State::kInSession);
}

TEST_F(HearingClientTest, AVerdictBeforeTheSessionIdIsIgnoredSilently) {
    connect();
    acknowledge("12345/UUID");
    acknowledge("12345/result");
    out.events.clear();
    deliver("12345/result", verdict_json(kSessionId, "failed", "wrong"), 1);
    EXPECT_EQ(out.events, Events{});
    EXPECT_EQ(client.state(), ClientSession::State::kAwaitingSession);
}

TEST_F(HearingClientTest, SomethingOtherThanAVerdictIsIgnoredWithWhy) {
    reach_hearing_session();
    deliver("12345/result", "Apple", 1);
    EXPECT_EQ(out.events, (Events{"ignored 12345/result: not a verdict: not a JSON object"}));
    EXPECT_EQ(client.state(), ClientSession::State::kInSession);
}

TEST_F(HearingClientTest, ARefusedResultSubscriptionIsReportedAndTheExchangeGoesOn) {
    connect();
    acknowledge("12345/UUID");
    out.events.clear();
    acknowledge("12345/result", 0x80);
    ASSERT_EQ(out.events.size(), 1U);
    EXPECT_TRUE(out.events[0].starts_with("ignored 12345/result: the broker refused"))
        << out.events[0];
    EXPECT_EQ(client.state(), ClientSession::State::kAwaitingSession);
}

TEST_F(HearingClientTest, AReconnectInSessionResubscribesTheResultTopicToo) {
    reach_hearing_session();
    connect(true);
    EXPECT_EQ(out.actions,
              (Actions{subscribe_action("12345/result", 2), subscribe_action("12345/UUID", 2),
                       subscribe_action(std::string(kSessionId), 2)}));
}

TEST_F(HearingClientTest, ARefusedLoginsReasonBecomesTheLoginTimeoutsReason) {
    connect();
    acknowledge("12345/UUID");
    acknowledge("12345/result");
    out.events.clear();
    const std::string refusal =
        R"({"session_id":"","outcome":"refused","reason":"no pool for this user","commands":0,)"
        R"("correct":0,"low_qos":0,"wrong":0,"surplus":0})";
    deliver("12345/result", refusal, 1);
    EXPECT_EQ(out.events, (Events{"login refused: no pool for this user"}));
    EXPECT_EQ(client.state(), ClientSession::State::kAwaitingSession);
    now += 10s;
    client.on_timer(now);
    replay(client, out);
    EXPECT_EQ(out.events.back(), "finished login_timeout: no pool for this user");
}

TEST_F(ClientSessionTest, AClientThatDoesNotHearVerdictsNeverSubscribesToThem) {
    connect();
    EXPECT_EQ(out.actions, (Actions{subscribe_action("12345/UUID", 2)}));
    acknowledge("12345/UUID");
    deliver("12345/UUID", kSessionId);
    out.events.clear();
    deliver("12345/result", verdict_json(kSessionId, "failed", "wrong"), 1);
    EXPECT_EQ(out.events, (Events{"ignored 12345/result: not a topic of this session"}));
    EXPECT_EQ(client.state(), ClientSession::State::kInSession);
}

}  // namespace
}  // namespace cmdlink::core
