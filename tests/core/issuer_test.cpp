#include "core/issuer.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_set>
#include <variant>
#include <vector>

#include "core/protocol.hpp"
#include "core/uuid.hpp"
#include "recording_output.hpp"

namespace cmdlink::core {
namespace {

using namespace std::chrono_literals;
using namespace std::string_view_literals;
using test_support::Action;
using test_support::publish_action;
using test_support::RecordingServerOutput;
using test_support::ScriptedRandom;
using test_support::subscribe_action;
using Actions = std::vector<Action>;
using Verdicts = std::vector<Verdict>;
using Names = std::vector<std::string>;

// The session ID that ScriptedRandom's words {1, 2} make.
const std::string kFirstSid = [] {
    ScriptedRandom random({1, 2});
    return make_uuid_v4(random);
}();

class IssuerTest : public ::testing::Test {
  protected:
    void start(ServerPolicy with = {}) {
        auto created = Issuer::create(std::move(with), random);
        ASSERT_TRUE(created) << created.error();
        issuer.emplace(std::move(created.value()));
        issuer->start();
        settle(*issuer, out, now);
        out.clear();
    }

    void deliver(std::string_view topic, std::string_view payload, int qos = 2) {
        issuer->on_message(topic, payload, qos, now);
        settle(*issuer, out, now);
    }
    void login(std::string_view user_id) { deliver("login", user_id); }
    void reply(std::string_view session_id, std::string_view command, std::string_view word,
               int qos = 1) {
        deliver(std::string(session_id) + "/" + std::string(command), word, qos);
    }
    void advance(Duration by) {
        now += by;
        issuer->on_timer(now);
        settle(*issuer, out, now);
    }

    // Logs `user_id` in and returns the session ID it was given.
    std::string issue(std::string_view user_id) {
        const std::size_t before = out.issued.size();
        login(user_id);
        if (out.issued.size() != before + 1) {
            ADD_FAILURE() << "no session issued to " << user_id;
            return {};
        }
        return out.issued.back().session_id;
    }

    ScriptedRandom random;
    std::optional<Issuer> issuer;
    RecordingServerOutput out;
    TimePoint now = TimePoint{} + 1h;
};

// ---- set-up ----

TEST(IssuerCreate, RefusesAnInvalidPolicyWithItsReason) {
    ServerPolicy policy;
    policy.min_commands = 12;
    ScriptedRandom random;
    auto created = Issuer::create(policy, random);
    ASSERT_FALSE(created);
    EXPECT_EQ(created.error(), "the command count range is empty: minimum 12 > maximum 11");
}

TEST_F(IssuerTest, StartSubscribesToLoginsAndToEveryReplyTopic) {
    ScriptedRandom random;
    auto created = Issuer::create({}, random);
    ASSERT_TRUE(created);
    created.value().start();
    settle(created.value(), out, now);
    EXPECT_EQ(out.actions, (Actions{subscribe_action("login", 2), subscribe_action("+/+", 2)}));
}

TEST_F(IssuerTest, StartUsesTheConfiguredLoginSubscription) {
    ServerPolicy policy;
    policy.login_subscription = "$share/cmdlink/login";
    ScriptedRandom random;
    auto created = Issuer::create(policy, random);
    ASSERT_TRUE(created);
    created.value().start();
    settle(created.value(), out, now);
    EXPECT_EQ(out.actions,
              (Actions{subscribe_action("$share/cmdlink/login", 2), subscribe_action("+/+", 2)}));
}

TEST_F(IssuerTest, HasNothingToDoWithoutSessions) {
    start();
    EXPECT_EQ(issuer->next_deadline(), kNever);
    EXPECT_EQ(issuer->active_sessions(), 0U);
    EXPECT_EQ(issuer->policy().delay, 3s);
}

// ---- logins ----

TEST_F(IssuerTest, LoginGetsAFreshUuidOnTheUsersTopic) {
    start();
    random.append({1, 2});
    login("12345");
    EXPECT_TRUE(is_uuid_v4(kFirstSid)) << kFirstSid;
    EXPECT_EQ(out.actions, (Actions{publish_action("12345/UUID", kFirstSid, 2)}));
    ASSERT_EQ(out.issued.size(), 1U);
    EXPECT_EQ(out.issued[0].user_id, "12345");
    EXPECT_EQ(out.issued[0].session_id, kFirstSid);
    EXPECT_FALSE(out.issued[0].repeated);
    EXPECT_EQ(issuer->active_sessions(), 1U);
    EXPECT_EQ(issuer->counts().logins, 1U);
    EXPECT_EQ(issuer->next_deadline(), now + 3s);
}

TEST_F(IssuerTest, InvalidLoginsAreRefusedWithTheirReason) {
    start();
    login("");
    login(std::string(300, '1'));
    login("\xFF\xFE\x00\x01"sv);
    login("12/45");
    login(std::string(65, '1'));
    login("+");
    login("12\x01");
    EXPECT_EQ(out.actions, Actions{});
    ASSERT_EQ(out.refused.size(), 7U);
    EXPECT_EQ(out.refused[0].reason, "payload is empty");
    EXPECT_EQ(out.refused[1].reason, "payload is 300 bytes long; at most 256 are allowed");
    EXPECT_EQ(out.refused[2].reason, "payload is not valid UTF-8");
    EXPECT_EQ(out.refused[3].reason, "user ID contains '/', which MQTT topics reserve");
    EXPECT_EQ(out.refused[4].reason, "user ID is 65 bytes long; at most 64 are allowed");
    EXPECT_EQ(out.refused[5].reason, "user ID contains '+', which MQTT topics reserve");
    EXPECT_EQ(out.refused[6].reason, "user ID contains a control character");
    EXPECT_EQ(out.refused[3].user_id, "12/45");
    EXPECT_EQ(issuer->active_sessions(), 0U);
    EXPECT_EQ(issuer->counts().logins, 7U);
    EXPECT_EQ(issuer->counts().logins_refused, 7U);
}

TEST_F(IssuerTest, SecondLoginBeforeCommandsResendsTheSameSessionId) {
    start();
    const std::string sid = issue("12345");
    now += 2s;
    login("12345");
    ASSERT_EQ(out.issued.size(), 2U);
    EXPECT_EQ(out.issued[1].session_id, sid);
    EXPECT_TRUE(out.issued[1].repeated);
    EXPECT_EQ(out.actions, (Actions{publish_action("12345/UUID", sid, 2),
                                    publish_action("12345/UUID", sid, 2)}));
    EXPECT_EQ(issuer->active_sessions(), 1U);
    EXPECT_EQ(out.ended.size(), 0U);
    // The repeat does not restart the delay.
    EXPECT_EQ(issuer->next_deadline(), now - 2s + 3s);
}

TEST_F(IssuerTest, SecondLoginAfterCommandsAbandonsTheOldSessionForANewOne) {
    start();
    const std::string old_sid = issue("12345");
    advance(3s);
    ASSERT_FALSE(out.commands.empty());
    out.clear();
    login("12345");
    EXPECT_EQ(out.log, (Names{"ended", "issued"}));
    ASSERT_EQ(out.ended.size(), 1U);
    EXPECT_EQ(out.ended[0].session_id, old_sid);
    EXPECT_EQ(out.ended[0].outcome, SessionOutcome::kAbandoned);
    EXPECT_EQ(out.ended[0].reason, "the same user ID logged in again");
    ASSERT_EQ(out.issued.size(), 1U);
    EXPECT_NE(out.issued[0].session_id, old_sid);
    EXPECT_FALSE(out.issued[0].repeated);
    EXPECT_EQ(out.actions, (Actions{publish_action("12345/UUID", out.issued[0].session_id, 2)}));
    EXPECT_EQ(issuer->active_sessions(), 1U);
    reply(old_sid, "CMD1", "Apple");
    EXPECT_EQ(out.verdicts(), Verdicts{Verdict::kAfterEnd});
}

TEST_F(IssuerTest, DifferentUsersGetDistinctSessions) {
    start();
    std::unordered_set<std::string> sids;
    for (int i = 0; i < 1000; ++i) sids.insert(issue("user" + std::to_string(i)));
    EXPECT_EQ(sids.size(), 1000U);
    EXPECT_EQ(issuer->active_sessions(), 1000U);
}

TEST_F(IssuerTest, FreshSessionIdNeverRepeatsALiveOrRecentlyEndedOne) {
    ServerPolicy policy;
    policy.min_commands = policy.max_commands = 0;  // no draws for the plans
    start(policy);
    random.append({1, 2, 1, 2, 3, 4});
    const std::string a = issue("a");
    const std::string b = issue("b");
    EXPECT_EQ(a, kFirstSid);
    EXPECT_NE(b, a);
    advance(3s);  // both pass at once: empty plans
    ASSERT_EQ(out.ended.size(), 2U);
    random.append({1, 2, 5, 6});
    const std::string c = issue("c");
    EXPECT_NE(c, a);
}

TEST_F(IssuerTest, LoginsBeyondMaxSessionsAreRefusedUntilASlotFrees) {
    ServerPolicy policy;
    policy.max_sessions = 2;
    policy.min_commands = policy.max_commands = 1;
    start(policy);
    const std::string a = issue("a");
    issue("b");
    login("c");
    ASSERT_EQ(out.refused.size(), 1U);
    EXPECT_EQ(out.refused[0].user_id, "c");
    EXPECT_EQ(out.refused[0].reason, "the server is at its limit of 2 sessions in flight");
    // A repeated login is not a new session, so the limit does not apply to it.
    login("a");
    EXPECT_EQ(out.issued.back().session_id, a);
    EXPECT_TRUE(out.issued.back().repeated);
    advance(3s);
    reply(a, out.commands_sent_to(a).at(0), "Apple");  // may be wrong: either way it ends
    ASSERT_EQ(out.ended.size(), 1U);
    EXPECT_EQ(issuer->active_sessions(), 1U);
    issue("c");
    EXPECT_EQ(issuer->active_sessions(), 2U);
    EXPECT_EQ(issuer->counts().logins_refused, 1U);
}

TEST_F(IssuerTest, NewLoginOfTheSameUserAtTheLimitReplacesItsOwnSession) {
    ServerPolicy policy;
    policy.max_sessions = 1;
    start(policy);
    issue("a");
    advance(3s);
    login("a");
    EXPECT_EQ(out.refused.size(), 0U);
    ASSERT_EQ(out.ended.size(), 1U);
    EXPECT_EQ(out.ended[0].outcome, SessionOutcome::kAbandoned);
    EXPECT_EQ(issuer->active_sessions(), 1U);
}

// ---- under abuse: a full server, a login flood, a ledger that falls behind ----

class IssuerUnderAbuse : public IssuerTest {
  protected:
    // The right word for `command`, whatever the draw made it.
    void answer(std::string_view session_id, const std::string& command) {
        const CommandTable& table = issuer->policy().table;
        reply(session_id, command, table.at(*table.find(command)).reply);
    }
    static ServerPolicy full_at_two() {
        ServerPolicy policy;
        policy.max_sessions = 2;
        policy.min_commands = policy.max_commands = 2;
        return policy;
    }
};

TEST_F(IssuerUnderAbuse, AtTheLimitALoginTakesThePlaceOfTheSessionLongestUnanswered) {
    start(full_at_two());
    const std::string a = issue("a");
    const std::string b = issue("b");
    advance(3s);  // both send their commands
    answer(b, out.commands_sent_to(b).at(0));
    advance(2s);
    const std::string c = issue("c");
    EXPECT_FALSE(c.empty());
    ASSERT_EQ(out.ended.size(), 1U);
    EXPECT_EQ(out.ended[0].session_id, a);
    EXPECT_EQ(out.ended[0].outcome, SessionOutcome::kTimedOut);
    EXPECT_EQ(out.ended[0].reason,
              "no answer to any of its 2 commands after 2.0 s, while the server was at its "
              "limit of 2 sessions in flight: ended to make room for a new login");
    EXPECT_EQ(issuer->active_sessions(), 2U);
    EXPECT_TRUE(out.refused.empty());
}

TEST_F(IssuerUnderAbuse, ASessionNotYetUnansweredLongEnoughKeepsItsPlace) {
    start(full_at_two());
    issue("a");
    issue("b");
    login("c");  // no command has gone out yet
    advance(3s);
    advance(1900ms);
    login("d");
    ASSERT_EQ(out.refused.size(), 2U);
    EXPECT_EQ(out.refused[1].reason, "the server is at its limit of 2 sessions in flight");
    EXPECT_TRUE(out.ended.empty());
}

TEST_F(IssuerUnderAbuse, ASessionThatAnsweredIsNeverEvicted) {
    start(full_at_two());
    const std::string a = issue("a");
    const std::string b = issue("b");
    advance(3s);
    answer(a, out.commands_sent_to(a).at(0));
    answer(b, out.commands_sent_to(b).at(0));
    advance(20s);
    login("c");
    ASSERT_EQ(out.refused.size(), 1U);
    EXPECT_TRUE(out.ended.empty());
}

TEST_F(IssuerUnderAbuse, RefusedLoginsBeyondTheLimitOfASecondAreTalliedPerReason) {
    ServerPolicy policy;
    policy.refused_logins_recorded_per_second = 2;
    start(policy);
    issuer->drain();
    for (const char* user : {"u1", "u2", "u3", "u4", "u5"}) login(user);
    login("a/b");
    ASSERT_EQ(out.refused.size(), 2U);
    EXPECT_EQ(out.refused[1].user_id, "u2");
    EXPECT_EQ(issuer->counts().logins_refused, 6U);
    EXPECT_EQ(issuer->next_deadline(), now + 1s);
    advance(1s);
    ASSERT_EQ(out.refused.size(), 4U);
    // In the order of their reasons.
    EXPECT_EQ(out.refused[2].user_id, "");
    EXPECT_EQ(out.refused[2].reason, "the server is shutting down and takes no new sessions");
    EXPECT_EQ(out.refused[2].count, 3U);
    EXPECT_EQ(out.refused[3].user_id, "a/b");
    EXPECT_EQ(out.refused[3].reason, "user ID contains '/', which MQTT topics reserve");
    EXPECT_EQ(out.refused[3].count, 1U);
    // A new second records one by one again.
    login("u6");
    ASSERT_EQ(out.refused.size(), 5U);
    EXPECT_EQ(out.refused[4].count, 1U);
}

TEST_F(IssuerUnderAbuse, ATalliedFloodFromOneUserIdKeepsThatUserId) {
    ServerPolicy policy;
    policy.refused_logins_recorded_per_second = 1;
    start(policy);
    issuer->hold_logins("the ledger is behind");
    for (int i = 0; i < 4; ++i) login("$SYS");
    issuer->stop(now);
    settle(*issuer, out, now);
    ASSERT_EQ(out.refused.size(), 2U);
    EXPECT_EQ(out.refused[1].user_id, "$SYS");
    EXPECT_EQ(out.refused[1].count, 3U);
}

TEST_F(IssuerUnderAbuse, WhileHeldNewSessionsAreRefusedButARepeatedLoginKeepsItsId) {
    start();
    const std::string a = issue("a");
    issuer->hold_logins("the ledger is behind");
    EXPECT_TRUE(issuer->holding_logins());
    login("b");
    ASSERT_EQ(out.refused.size(), 1U);
    EXPECT_EQ(out.refused[0].reason, "the ledger is behind");
    login("a");
    EXPECT_EQ(out.issued.back().session_id, a);
    issuer->resume_logins();
    EXPECT_FALSE(issue("b").empty());
}

TEST_F(IssuerUnderAbuse, AFloodOfRepeatedLoginsPublishesTheIdAtMostOnceASecond) {
    start();
    const std::string a = issue("a");
    out.actions.clear();
    for (int i = 0; i < 50; ++i) login("a");
    // The first repeats at once (a device that reconnected without its session), then no more.
    EXPECT_EQ(out.actions, (Actions{publish_action("a/UUID", a, 2), publish_action("a/UUID", a, 2),
                                    publish_action("a/UUID", a, 2)}));
    EXPECT_EQ(out.issued.size(), 51U);
    out.actions.clear();
    now += 1s;
    login("a");
    EXPECT_EQ(out.actions, (Actions{publish_action("a/UUID", a, 2)}));
}

TEST_F(IssuerUnderAbuse, SurplusRepliesBeyondTheBoundAreCountedNotRecorded) {
    ServerPolicy policy;
    policy.min_commands = policy.max_commands = 2;
    policy.surplus_replies_recorded = 3;
    start(policy);
    const std::string a = issue("a");
    advance(3s);
    const std::vector<std::string> commands = out.commands_sent_to(a);
    answer(a, commands.at(0));
    for (int i = 0; i < 10; ++i) reply(a, "CMD99", "Apple");
    answer(a, commands.at(1));
    ASSERT_EQ(out.ended.size(), 1U);
    EXPECT_EQ(out.ended[0].outcome, SessionOutcome::kPassed);
    EXPECT_EQ(out.ended[0].surplus, 10U);
    const auto unexpected =
        std::count_if(out.replies.begin(), out.replies.end(),
                      [](const auto& r) { return r.verdict == Verdict::kUnexpected; });
    EXPECT_EQ(unexpected, 3);
}

TEST_F(IssuerUnderAbuse, StrayRepliesBeyondTheLimitOfASecondAreCountedInOneLine) {
    ServerPolicy policy;
    policy.stray_replies_recorded_per_second = 2;
    start(policy);
    for (int i = 0; i < 7; ++i) reply("no-such-session", "CMD1", "Apple");
    EXPECT_EQ(out.replies.size(), 2U);
    EXPECT_TRUE(out.ignored.empty());
    EXPECT_EQ(issuer->counts().replies, 7U);
    advance(1s);
    ASSERT_EQ(out.ignored.size(), 1U);
    EXPECT_EQ(out.ignored[0].reason,
              "5 more replies to sessions unknown or ended within a second: counted, not "
              "recorded one by one");
    reply("no-such-session", "CMD1", "Apple");
    EXPECT_EQ(out.replies.size(), 3U);
}

// ---- commands and replies ----

TEST_F(IssuerTest, CommandsGoOutWhenTheDelayHasPassed) {
    ServerPolicy policy;
    policy.min_commands = policy.max_commands = 3;
    start(policy);
    random.append({1, 2, 3, 0, 6});
    const std::string sid = issue("12345");
    out.clear();
    advance(3s - 1ns);
    EXPECT_EQ(out.actions, Actions{});
    advance(1ns);
    EXPECT_EQ(out.actions, (Actions{publish_action(sid, "CMD4", 1), publish_action(sid, "CMD1", 1),
                                    publish_action(sid, "CMD7", 1)}));
    EXPECT_EQ(issuer->next_deadline(), now - 3s + 30s);
}

TEST_F(IssuerTest, CorrectRepliesEndTheSessionAsPassed) {
    ServerPolicy policy;
    policy.min_commands = policy.max_commands = 3;
    start(policy);
    random.append({1, 2, 3, 0, 6});
    const std::string sid = issue("12345");
    advance(3s);
    out.clear();
    reply(sid, "CMD4", "Rat");
    reply(sid, "CMD7", "Toy");
    reply(sid, "CMD1", "Apple", 2);
    EXPECT_EQ(out.verdicts(), Verdicts(3, Verdict::kCorrect));
    EXPECT_EQ(out.actions, (Actions{publish_action(sid, std::string(kWellDone), 2)}));
    ASSERT_EQ(out.ended.size(), 1U);
    EXPECT_EQ(out.ended[0].outcome, SessionOutcome::kPassed);
    EXPECT_EQ(out.ended[0].user_id, "12345");
    EXPECT_EQ(issuer->active_sessions(), 0U);
    EXPECT_EQ(issuer->counts().passed, 1U);
    EXPECT_EQ(issuer->counts().failed, 0U);
    EXPECT_EQ(issuer->counts().commands, 3U);
    EXPECT_EQ(issuer->counts().replies, 3U);
}

TEST_F(IssuerTest, WrongReplyEndsTheSessionAsFailed) {
    ServerPolicy policy;
    policy.min_commands = policy.max_commands = 2;
    start(policy);
    random.append({1, 2, 0, 1});
    const std::string sid = issue("12345");
    advance(3s);
    out.clear();
    reply(sid, "CMD1", "Banana");
    ASSERT_EQ(out.ended.size(), 1U);
    EXPECT_EQ(out.ended[0].outcome, SessionOutcome::kFailed);
    EXPECT_EQ(out.actions, Actions{});
    EXPECT_EQ(issuer->counts().failed, 1U);
    reply(sid, "CMD2", "Cat");
    EXPECT_EQ(out.verdicts(), (Verdicts{Verdict::kWrong, Verdict::kAfterEnd}));
}

TEST_F(IssuerTest, ReplyToAnUnknownSessionIsRecordedAndIgnored) {
    start();
    issue("12345");
    out.clear();
    reply("no-such-session", "CMD1", "Apple", 0);
    ASSERT_EQ(out.replies.size(), 1U);
    EXPECT_EQ(out.replies[0].session_id, "no-such-session");
    EXPECT_EQ(out.replies[0].command, "CMD1");
    EXPECT_EQ(out.replies[0].word, "Apple");
    EXPECT_EQ(out.replies[0].qos, 0);
    EXPECT_EQ(out.replies[0].verdict, Verdict::kUnknownSession);
    EXPECT_EQ(out.actions, Actions{});
    EXPECT_EQ(issuer->active_sessions(), 1U);
}

TEST_F(IssuerTest, ReplyAfterTheEndIsAfterEndUntilTheEndIsForgotten) {
    ServerPolicy policy;
    policy.min_commands = policy.max_commands = 1;
    start(policy);
    random.append({1, 2, 0});
    const std::string sid = issue("12345");
    advance(3s);
    reply(sid, "CMD1", "Apple");
    ASSERT_EQ(out.ended.size(), 1U);
    const TimePoint ended_at = now;
    out.clear();
    reply(sid, "CMD1", "Apple");
    EXPECT_EQ(out.verdicts(), Verdicts{Verdict::kAfterEnd});
    // The stale timeout wake-up comes first, then the moment the end is forgotten.
    EXPECT_LE(issuer->next_deadline(), ended_at + 10min);
    advance(ended_at + 10min - 1ns - now);
    reply(sid, "CMD1", "Apple");
    EXPECT_EQ(out.verdicts().back(), Verdict::kAfterEnd);
    EXPECT_EQ(issuer->next_deadline(), ended_at + 10min);
    advance(1ns);
    reply(sid, "CMD1", "Apple");
    EXPECT_EQ(out.verdicts().back(), Verdict::kUnknownSession);
    EXPECT_EQ(issuer->next_deadline(), kNever);
}

TEST_F(IssuerTest, OwnSessionIdAnnouncementsAreNotReplies) {
    start();
    const std::string sid = issue("12345");
    out.clear();
    deliver("12345/UUID", sid);
    EXPECT_EQ(out.log, Names{});
    EXPECT_EQ(issuer->counts().replies, 0U);
}

TEST_F(IssuerTest, VerdictsOnAUsersResultTopicAreNotReplies) {
    ServerPolicy policy;
    policy.feedback = true;
    start(policy);
    issue("12345");
    out.clear();
    deliver("12345/result", R"({"session_id":"x","outcome":"failed"})", 1);
    EXPECT_EQ(out.log, Names{});
    EXPECT_TRUE(out.ignored.empty());
    EXPECT_EQ(issuer->counts().replies, 0U);
}

TEST_F(IssuerTest, WithFeedbackAStoppedSessionsStudentHearsItWasInterrupted) {
    ServerPolicy policy;
    policy.feedback = true;
    start(policy);
    const std::string sid = issue("12345");
    out.clear();
    issuer->stop(now, "the server stopped");
    settle(*issuer, out, now);
    const auto published = out.publications();
    ASSERT_EQ(published.size(), 1U);
    EXPECT_EQ(published[0].topic, "12345/result");
    EXPECT_NE(published[0].payload.find(R"("outcome":"interrupted")"), std::string::npos);
    EXPECT_NE(published[0].payload.find(sid), std::string::npos);
}

TEST_F(IssuerTest, WithFeedbackAnAbandonedSessionsVerdictGoesOutBeforeTheNewSession) {
    ServerPolicy policy;
    policy.feedback = true;
    start(policy);
    const std::string first = issue("12345");
    advance(3s);  // its commands go out
    out.clear();
    random.append({3, 4});
    login("12345");
    const auto published = out.publications();
    ASSERT_EQ(published.size(), 2U);
    EXPECT_EQ(published[0].topic, "12345/result");
    EXPECT_NE(published[0].payload.find(first), std::string::npos);
    EXPECT_NE(published[0].payload.find(R"("outcome":"abandoned")"), std::string::npos);
    EXPECT_EQ(published[1].topic, "12345/UUID");
}

TEST_F(IssuerTest, WithFeedbackARefusedStudentHearsWhyAfterTheRefusalIsRecorded) {
    ServerPolicy policy;
    policy.feedback = true;
    start(policy);
    issuer->hold_logins("the server's ledger is behind");
    issuer->on_message("login", "12345", 2, now);
    ASSERT_EQ(issuer->outbox().entries().size(), 2U);
    EXPECT_TRUE(std::holds_alternative<ServerEvent>(issuer->outbox().entries()[0]));
    settle(*issuer, out, now);
    ASSERT_EQ(out.refused.size(), 1U);
    const auto published = out.publications();
    ASSERT_EQ(published.size(), 1U);
    EXPECT_EQ(published[0].topic, "12345/result");
    EXPECT_EQ(published[0].qos, 1);
    EXPECT_NE(published[0].payload.find(R"("outcome":"refused")"), std::string::npos);
    EXPECT_NE(published[0].payload.find("the server's ledger is behind"), std::string::npos);
}

TEST_F(IssuerTest, WithFeedbackALoginThatIsNoTopicIsRefusedWithoutAnAnswer) {
    ServerPolicy policy;
    policy.feedback = true;
    start(policy);
    login("a/b");
    EXPECT_EQ(out.refused.size(), 1U);
    EXPECT_TRUE(out.publications().empty());
}

TEST_F(IssuerTest, TopicWithoutASlashIsNotAReply) {
    start();
    deliver("some-session", "CMD1", 1);
    ASSERT_EQ(out.ignored.size(), 1U);
    EXPECT_EQ(out.ignored[0].topic, "some-session");
    EXPECT_EQ(out.ignored[0].reason, "not a reply topic");
}

TEST_F(IssuerTest, MalformedReplyPayloadsAreIgnoredWithTheirReason) {
    start();
    const std::string sid = issue("12345");
    advance(3s);
    out.clear();
    reply(sid, "CMD1", "");
    reply(sid, "CMD1", std::string(300, 'A'));
    reply(sid, "CMD1", "\xFF\xFE\x00\x01"sv);
    EXPECT_EQ(out.log, (Names{"ignored", "ignored", "ignored"}));
    EXPECT_EQ(out.ignored[0].topic, sid + "/CMD1");
    EXPECT_EQ(out.ignored[0].reason, "reply payload is empty");
    EXPECT_EQ(out.ignored[1].reason, "reply payload is 300 bytes long; at most 256 are allowed");
    EXPECT_EQ(out.ignored[2].reason, "reply payload is not valid UTF-8");
    EXPECT_EQ(issuer->active_sessions(), 1U);
    EXPECT_EQ(issuer->counts().replies, 0U);
}

// ---- time and shutdown ----

TEST_F(IssuerTest, UnansweredSessionTimesOut) {
    start();
    const std::string sid = issue("12345");
    advance(3s);
    const auto sent = out.commands.size();
    advance(27s - 1ns);
    EXPECT_EQ(out.ended.size(), 0U);
    advance(1ns);
    ASSERT_EQ(out.ended.size(), 1U);
    EXPECT_EQ(out.ended[0].session_id, sid);
    EXPECT_EQ(out.ended[0].outcome, SessionOutcome::kTimedOut);
    EXPECT_EQ(out.ended[0].reason, std::to_string(sent) + " of " + std::to_string(sent) +
                                       " commands unanswered after the session timeout");
    EXPECT_EQ(issuer->active_sessions(), 0U);
    EXPECT_EQ(issuer->counts().failed, 1U);
}

TEST_F(IssuerTest, OneLateTimerCallServesEveryDueSession) {
    start();
    issue("a");
    now += 1s;
    issue("b");
    now += 1s;
    issue("c");
    out.clear();
    advance(10s);
    EXPECT_EQ(out.log.front(), "command");
    std::unordered_set<std::string> sessions;
    for (const auto& command : out.commands) sessions.insert(command.session_id);
    EXPECT_EQ(sessions.size(), 3U);
}

TEST_F(IssuerTest, InterruptAllEndsEverySessionAsInterrupted) {
    start();
    issue("a");
    issue("b");
    advance(3s);
    issue("c");
    out.clear();
    issuer->stop(now);
    settle(*issuer, out, now);
    ASSERT_EQ(out.ended.size(), 3U);
    for (const auto& end : out.ended) {
        EXPECT_EQ(end.outcome, SessionOutcome::kInterrupted);
        EXPECT_EQ(end.reason, "the server stopped");
    }
    EXPECT_EQ(out.actions, Actions{test_support::disconnect_action()});
    EXPECT_EQ(issuer->active_sessions(), 0U);
    EXPECT_EQ(issuer->counts().failed, 3U);
}

}  // namespace
}  // namespace cmdlink::core

namespace cmdlink::core {
namespace {

TEST_F(IssuerTest, RetainedLoginIssuesNoSession) {
    start();
    issuer->on_message("login", "12345", 2, now, true);
    settle(*issuer, out, now);
    EXPECT_TRUE(out.actions.empty());
    EXPECT_EQ(issuer->active_sessions(), 0U);
    EXPECT_EQ(issuer->counts().logins, 0U);
}

}  // namespace
}  // namespace cmdlink::core

// ---- shared group: replies subscribed per session ----

namespace cmdlink::core {
namespace {

using test_support::unsubscribe_action;

ServerPolicy per_session_policy() {
    ServerPolicy policy;
    policy.login_subscription = "$share/g/login";
    policy.replies = ReplySubscription::kPerSession;
    policy.min_commands = policy.max_commands = 1;
    return policy;
}

TEST_F(IssuerTest, PerSessionRepliesSubscribeNoWildcardAtStart) {
    ScriptedRandom fresh;
    auto created = Issuer::create(per_session_policy(), fresh);
    ASSERT_TRUE(created);
    created.value().start();
    settle(created.value(), out, now);
    EXPECT_EQ(out.actions, (Actions{subscribe_action("$share/g/login", 2)}));
}

TEST_F(IssuerTest, PerSessionRepliesAreSubscribedBeforeTheIdIsAnnounced) {
    start(per_session_policy());
    random.append({1, 2});
    login("12345");
    EXPECT_EQ(out.actions, (Actions{subscribe_action(kFirstSid + "/+", 2),
                                    publish_action("12345/UUID", kFirstSid, 2)}));
}

TEST_F(IssuerTest, RepeatedLoginDoesNotSubscribeTwice) {
    start(per_session_policy());
    const std::string sid = issue("12345");
    out.clear();
    login("12345");
    EXPECT_EQ(out.actions, (Actions{publish_action("12345/UUID", sid, 2)}));
}

TEST_F(IssuerTest, PerSessionRepliesAreUnsubscribedWhenTheSessionEnds) {
    start(per_session_policy());
    random.append({1, 2, 0});
    const std::string sid = issue("12345");
    advance(3s);
    out.clear();
    reply(sid, "CMD1", "Apple");
    EXPECT_EQ(out.actions, (Actions{publish_action(sid, std::string(kWellDone), 2),
                                    unsubscribe_action(sid + "/+")}));
    const std::string timed_out = issue("other");
    out.clear();
    advance(30s);
    ASSERT_EQ(out.ended.size(), 1U);
    EXPECT_EQ(out.ended[0].outcome, SessionOutcome::kTimedOut);
    EXPECT_EQ(out.actions.back(), unsubscribe_action(timed_out + "/+"));
}

TEST_F(IssuerTest, ReconnectResubscribesTheRepliesOfSessionsInFlight) {
    start(per_session_policy());
    const std::string a = issue("a");
    const std::string b = issue("b");
    out.clear();
    issuer->start();
    settle(*issuer, out, now);
    ASSERT_EQ(out.actions.size(), 3U);
    EXPECT_EQ(out.actions[0], subscribe_action("$share/g/login", 2));
    const std::vector<Action> replies(out.actions.begin() + 1, out.actions.end());
    EXPECT_NE(std::find(replies.begin(), replies.end(), subscribe_action(a + "/+", 2)),
              replies.end());
    EXPECT_NE(std::find(replies.begin(), replies.end(), subscribe_action(b + "/+", 2)),
              replies.end());
}

TEST_F(IssuerTest, WildcardModeNeverUnsubscribes) {
    ServerPolicy policy;
    policy.min_commands = policy.max_commands = 1;
    start(policy);
    random.append({1, 2, 0});
    const std::string sid = issue("12345");
    advance(3s);
    out.clear();
    reply(sid, "CMD1", "Apple");
    EXPECT_EQ(out.actions, (Actions{publish_action(sid, std::string(kWellDone), 2)}));
}

}  // namespace
}  // namespace cmdlink::core

// ---- drain: a gentle stop ----

namespace cmdlink::core {
namespace {

using test_support::unsubscribe_action;

ServerPolicy one_command_policy() {
    ServerPolicy policy;
    policy.min_commands = policy.max_commands = 1;
    return policy;
}

TEST_F(IssuerTest, DrainWithoutSessionsIsDrainedAtOnce) {
    start();
    EXPECT_FALSE(issuer->drained());
    issuer->drain();
    settle(*issuer, out, now);
    EXPECT_TRUE(issuer->draining());
    EXPECT_TRUE(issuer->drained());
    // Alone, the server keeps its login subscription, to record each refused login; with
    // nothing in flight it leaves at once.
    EXPECT_EQ(out.actions, Actions{test_support::disconnect_action()});
}

TEST_F(IssuerTest, DrainRefusesNewLoginsWithTheirReason) {
    start();
    issuer->drain();
    settle(*issuer, out, now);
    out.clear();
    login("12345");
    EXPECT_TRUE(out.issued.empty());
    ASSERT_EQ(out.refused.size(), 1U);
    EXPECT_EQ(out.refused[0].user_id, "12345");
    EXPECT_EQ(out.refused[0].reason, "the server is shutting down and takes no new sessions");
    EXPECT_EQ(out.actions, Actions{});
    EXPECT_EQ(issuer->counts().logins_refused, 1U);
    EXPECT_EQ(issuer->active_sessions(), 0U);
}

TEST_F(IssuerTest, DrainLetsTheSessionsInFlightPassAndThenIsDrained) {
    start(one_command_policy());
    random.append({1, 2, 0});
    const std::string sid = issue("12345");
    issuer->drain();
    settle(*issuer, out, now);
    EXPECT_FALSE(issuer->drained());
    advance(3s);
    ASSERT_EQ(out.commands_sent_to(sid), Names{"CMD1"});
    reply(sid, "CMD1", "Apple");
    ASSERT_EQ(out.ended.size(), 1U);
    EXPECT_EQ(out.ended[0].outcome, SessionOutcome::kPassed);
    EXPECT_TRUE(issuer->drained());
}

TEST_F(IssuerTest, DrainLetsAnUnansweredSessionTimeOut) {
    start(one_command_policy());
    issue("12345");
    issuer->drain();
    settle(*issuer, out, now);
    advance(30s);
    ASSERT_EQ(out.ended.size(), 1U);
    EXPECT_EQ(out.ended[0].outcome, SessionOutcome::kTimedOut);
    EXPECT_TRUE(issuer->drained());
}

TEST_F(IssuerTest, DrainStillResendsTheSessionIdToARepeatedLogin) {
    start();
    const std::string sid = issue("12345");
    issuer->drain();
    settle(*issuer, out, now);
    out.clear();
    login("12345");
    ASSERT_EQ(out.issued.size(), 1U);
    EXPECT_EQ(out.issued[0].session_id, sid);
    EXPECT_TRUE(out.issued[0].repeated);
    EXPECT_TRUE(out.refused.empty());
}

TEST_F(IssuerTest, DrainKeepsARunningSessionWhenItsUserLogsInAgain) {
    start(one_command_policy());
    const std::string sid = issue("12345");
    advance(3s);
    issuer->drain();
    settle(*issuer, out, now);
    out.clear();
    login("12345");
    EXPECT_EQ(out.refused.size(), 1U);
    EXPECT_TRUE(out.ended.empty());
    EXPECT_EQ(issuer->active_sessions(), 1U);
    EXPECT_EQ(out.commands_sent_to(sid).size(), 0U);
}

TEST_F(IssuerTest, DrainInASharedGroupLeavesTheGroupAndStaysOutOnReconnect) {
    start(per_session_policy());
    issuer->drain();
    settle(*issuer, out, now);
    EXPECT_EQ(out.actions,
              (Actions{unsubscribe_action("$share/g/login"), test_support::disconnect_action()}));
    out.clear();
    issuer->drain();
    settle(*issuer, out, now);
    EXPECT_EQ(out.actions, Actions{});
    // A reconnect before the disconnect completed: still out of the group, leaving again.
    issuer->start();
    settle(*issuer, out, now);
    EXPECT_EQ(out.actions, Actions{test_support::disconnect_action()});
}

}  // namespace
}  // namespace cmdlink::core
