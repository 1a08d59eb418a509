#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "live/live_json.hpp"
#include "live/live_metrics.hpp"
#include "live/live_page.hpp"

namespace cmdlink::live {
namespace {

LiveSnapshot sample() {
    LiveSnapshot snapshot;
    snapshot.version = 7;
    snapshot.broker_connected = true;
    snapshot.broker_state = "ready";
    snapshot.roster = true;
    StudentRow alice;
    alice.user_id = "1001";
    alice.state = StudentState::kPassed;
    alice.sessions = 1;
    alice.passed = 1;
    StudentRow bob;
    bob.user_id = "1002";
    bob.state = StudentState::kTimedOut;
    bob.reason = "no reply to CMD3 \"within\" 30 s";
    snapshot.students = {alice, bob};
    snapshot.sessions_by_outcome = {1, 0, 0, 1, 0};
    snapshot.replies_by_verdict = {5, 0, 2, 0, 0, 0, 0};
    snapshot.latency.counts.at(2) = 4;  // (2.5 ms, 5 ms]
    snapshot.latency.counts.back() = 1;
    snapshot.latency.count = 5;
    snapshot.latency.sum_seconds = 12.5;
    snapshot.ledger_queue_depth = 3;
    snapshot.sessions_per_minute = {{0, 0}, {1, 1}};
    return snapshot;
}

bool contains_line(const std::string& text, const std::string& line) {
    return ("\n" + text).find("\n" + line + "\n") != std::string::npos;
}

TEST(LiveJson, CarriesEveryStudentWithStateAndReasonAndTheCounters) {
    const auto state = nlohmann::json::parse(to_json(sample()));
    EXPECT_EQ(state["version"], 7);
    EXPECT_EQ(state["broker"]["connected"], true);
    ASSERT_EQ(state["students"].size(), 2U);
    EXPECT_EQ(state["students"][0]["user_id"], "1001");
    EXPECT_EQ(state["students"][0]["state"], "passed");
    EXPECT_EQ(state["students"][1]["state"], "timed_out");
    EXPECT_EQ(state["students"][1]["reason"], "no reply to CMD3 \"within\" 30 s");
    EXPECT_EQ(state["sessions"]["passed"], 1);
    EXPECT_EQ(state["sessions"]["timed_out"], 1);
    EXPECT_EQ(state["replies"]["correct"], 5);
    EXPECT_EQ(state["replies"]["wrong"], 2);
    EXPECT_EQ(state["ledger_queue_depth"], 3);
    EXPECT_EQ(state["latency"]["buckets"].size(), LatencyBuckets::kUpperSeconds.size() + 1);
    EXPECT_EQ(state["latency"]["buckets"].back()["le"], "+Inf");
    EXPECT_EQ(state["sessions_per_minute"][1]["not_passed"], 1);
}

TEST(LiveJson, IsOneLineSoThatItFitsOneServerSentEvent) {
    EXPECT_EQ(to_json(sample()).find('\n'), std::string::npos);
}

TEST(LiveJson, ReplacesBytesThatAreNotUtf8InsteadOfFailing) {
    LiveSnapshot snapshot = sample();
    snapshot.students[1].reason = "bad \xff byte";
    const auto state = nlohmann::json::parse(to_json(snapshot));
    EXPECT_EQ(state["students"][1]["reason"], "bad \xEF\xBF\xBD byte");
}

TEST(PrometheusMetrics, CountSessionsByOutcomeAndRepliesByVerdict) {
    const std::string text = to_prometheus(sample());
    EXPECT_TRUE(contains_line(text, "# TYPE cmdlink_sessions_total counter")) << text;
    EXPECT_TRUE(contains_line(text, "cmdlink_sessions_total{outcome=\"passed\"} 1")) << text;
    EXPECT_TRUE(contains_line(text, "cmdlink_sessions_total{outcome=\"timed_out\"} 1")) << text;
    EXPECT_TRUE(contains_line(text, "cmdlink_replies_total{verdict=\"correct\"} 5")) << text;
    EXPECT_TRUE(contains_line(text, "cmdlink_replies_total{verdict=\"wrong\"} 2")) << text;
    EXPECT_TRUE(contains_line(text, "cmdlink_ledger_queue_depth 3")) << text;
    EXPECT_TRUE(contains_line(text, "cmdlink_broker_connected 1")) << text;
    EXPECT_TRUE(contains_line(text, "cmdlink_students{state=\"passed\"} 1")) << text;
    EXPECT_TRUE(contains_line(text, "cmdlink_students{state=\"never_tried\"} 0")) << text;
}

TEST(PrometheusMetrics, HaveACumulativeLatencyHistogramEndingInInfinity) {
    const std::string text = to_prometheus(sample());
    EXPECT_TRUE(contains_line(text, "# TYPE cmdlink_reply_latency_seconds histogram")) << text;
    EXPECT_TRUE(contains_line(text, "cmdlink_reply_latency_seconds_bucket{le=\"0.001\"} 0"));
    EXPECT_TRUE(contains_line(text, "cmdlink_reply_latency_seconds_bucket{le=\"0.005\"} 4"));
    EXPECT_TRUE(contains_line(text, "cmdlink_reply_latency_seconds_bucket{le=\"10\"} 4"));
    EXPECT_TRUE(contains_line(text, "cmdlink_reply_latency_seconds_bucket{le=\"+Inf\"} 5"));
    EXPECT_TRUE(contains_line(text, "cmdlink_reply_latency_seconds_sum 12.5"));
    EXPECT_TRUE(contains_line(text, "cmdlink_reply_latency_seconds_count 5"));
}

TEST(PrometheusMetrics, EndEveryLineWithANewlineAndDescribeEveryFamily) {
    const std::string text = to_prometheus(sample());
    ASSERT_FALSE(text.empty());
    EXPECT_EQ(text.back(), '\n');
    for (const std::string family :
         {"cmdlink_sessions_total", "cmdlink_replies_total", "cmdlink_reply_latency_seconds",
          "cmdlink_ledger_queue_depth", "cmdlink_broker_connected"}) {
        EXPECT_NE(text.find("# HELP " + family + " "), std::string::npos) << family;
    }
}

TEST(LivePage, CarriesTheStateItShowsFirstWithoutEndingItsScriptEarly) {
    const std::string page = live_page(R"({"reason":"</script><b>"})");
    EXPECT_NE(page.find(R"(const initial = {"reason":"<\/script><b>"};)"), std::string::npos);
    EXPECT_EQ(page.find("</script><b>"), std::string::npos);
}

TEST(LivePage, LoadsNothingFromElsewhere) {
    const std::string page = live_page("{}");
    EXPECT_EQ(page.find("http://"), std::string::npos);
    EXPECT_EQ(page.find("https://"), std::string::npos);
    EXPECT_EQ(page.find("@import"), std::string::npos);
    EXPECT_NE(page.find("name=\"viewport\""), std::string::npos);
}

}  // namespace
}  // namespace cmdlink::live
