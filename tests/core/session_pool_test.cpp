#include "core/session_pool.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "core/issuer.hpp"
#include "recording_output.hpp"

namespace cmdlink::core {
namespace {

using namespace std::chrono_literals;
using test_support::RecordingServerOutput;
using test_support::ScriptedRandom;

const std::string kA1 = "0b7c7a1e-2f4d-4c1a-9e3b-5d6f7a8b9c01";
const std::string kA2 = "0b7c7a1e-2f4d-4c1a-9e3b-5d6f7a8b9c02";
const std::string kA3 = "0b7c7a1e-2f4d-4c1a-9e3b-5d6f7a8b9c03";
const std::string kB1 = "0b7c7a1e-2f4d-4c1a-9e3b-5d6f7a8b9c11";
const std::string kExhausted =
    "no session IDs left for this user: regenerate the broker config with more "
    "--sessions-per-student";

SessionPool pool_of(const std::vector<PooledSessionId>& entries) {
    auto pool = SessionPool::create(entries);
    EXPECT_TRUE(pool) << pool.error();
    return pool ? std::move(pool.value()) : SessionPool{};
}

TEST(SessionPool, GivesAStudentsIdsInOrderSkippingUsedOnes) {
    SessionPool pool = pool_of({{"1001", kA1}, {"1002", kB1}, {"1001", kA2}, {"1001", kA3}});
    ASSERT_TRUE(pool.next("1001"));
    EXPECT_EQ(pool.next("1001").value(), kA1);
    // Until it is marked used, the same ID is the next one.
    EXPECT_EQ(pool.next("1001").value(), kA1);
    pool.mark_used(kA1);
    pool.mark_used(kA2);  // issued by an earlier run, as the ledger says
    EXPECT_EQ(pool.next("1001").value(), kA3);
    EXPECT_EQ(pool.remaining("1001"), 1U);
    EXPECT_EQ(pool.next("1002").value(), kB1);
}

TEST(SessionPool, RefusesAnUnknownUserAndAnExhaustedPoolWithTheirReasons) {
    SessionPool pool = pool_of({{"1001", kA1}});
    const auto unknown = pool.next("9999");
    ASSERT_FALSE(unknown);
    EXPECT_EQ(unknown.error(), "not in the roster");
    pool.mark_used(kA1);
    const auto exhausted = pool.next("1001");
    ASSERT_FALSE(exhausted);
    EXPECT_EQ(exhausted.error(), kExhausted);
    EXPECT_EQ(pool.remaining("1001"), 0U);
}

TEST(SessionPool, RefusesDuplicateAndMalformedIds) {
    EXPECT_FALSE(SessionPool::create({{"1001", kA1}, {"1002", kA1}}));
    EXPECT_FALSE(SessionPool::create({{"1001", "not-a-uuid"}}));
    EXPECT_FALSE(SessionPool::create({{"10/01", kA1}}));
}

class PooledIssuer : public ::testing::Test {
  protected:
    void start(std::vector<PooledSessionId> entries, const std::vector<std::string>& used = {}) {
        auto created = Issuer::create(ServerPolicy{}, random);
        ASSERT_TRUE(created) << created.error();
        issuer.emplace(std::move(created.value()));
        SessionPool pool = pool_of(entries);
        for (const std::string& id : used) pool.mark_used(id);
        issuer->use_session_pool(std::move(pool));
        issuer->start();
        settle(*issuer, out, now);
        out.clear();
    }
    void login(std::string_view user_id) {
        issuer->on_message("login", user_id, 2, now);
        settle(*issuer, out, now);
    }

    ScriptedRandom random;
    std::optional<Issuer> issuer;
    RecordingServerOutput out;
    TimePoint now = TimePoint{} + 1h;
};

TEST_F(PooledIssuer, IssuesPooledIdsAndTheSameOneToARepeatedLogin) {
    start({{"1001", kA1}, {"1001", kA2}});
    login("1001");
    login("1001");  // before any command: the same ID again
    ASSERT_EQ(out.issued.size(), 2U);
    EXPECT_EQ(out.issued[0].session_id, kA1);
    EXPECT_EQ(out.issued[1].session_id, kA1);
    EXPECT_TRUE(out.issued[1].repeated);
    // After commands, a new login abandons the session for the next pooled ID.
    now += 3s;
    issuer->on_timer(now);
    settle(*issuer, out, now);
    login("1001");
    ASSERT_EQ(out.issued.size(), 3U);
    EXPECT_EQ(out.issued[2].session_id, kA2);
}

TEST_F(PooledIssuer, RefusesUnknownUsersAndExhaustedPoolsWithoutAbandoningTheRunningSession) {
    start({{"1001", kA1}, {"1002", kB1}}, {kB1});
    login("9999");
    login("1002");
    ASSERT_EQ(out.refused.size(), 2U);
    EXPECT_EQ(out.refused[0].reason, "not in the roster");
    EXPECT_EQ(out.refused[1].reason, kExhausted);

    login("1001");
    now += 3s;
    issuer->on_timer(now);
    settle(*issuer, out, now);
    ASSERT_FALSE(out.commands.empty());
    login("1001");  // after commands, but no ID left: the running session goes on
    ASSERT_EQ(out.refused.size(), 3U);
    EXPECT_EQ(out.refused[2].reason, kExhausted);
    EXPECT_TRUE(out.ended.empty());
    EXPECT_EQ(issuer->active_sessions(), 1U);
    EXPECT_EQ(issuer->counts().logins_refused, 3U);
}

}  // namespace
}  // namespace cmdlink::core
