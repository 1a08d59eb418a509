#include "core/session_verdict.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

namespace cmdlink::core {
namespace {

SessionSummary failed_summary() {
    SessionSummary summary;
    summary.user_id = "12345";
    summary.session_id = "1b4e28ba-2fa1-41d2-883f-0016d3cca427";
    summary.outcome = SessionOutcome::kFailed;
    summary.reason = "wrong reply 'Dog' to CMD2 (expected 'Cat')";
    summary.commands = 4;
    summary.correct = 1;
    summary.low_qos = 1;
    summary.wrong = 1;
    summary.surplus = 2;
    return summary;
}

TEST(SessionVerdict, IsAJsonObjectWithTheFieldsThatProtocolMdNames) {
    const auto object = nlohmann::json::parse(encode_verdict(failed_summary()));
    EXPECT_EQ(object, (nlohmann::json{{"session_id", "1b4e28ba-2fa1-41d2-883f-0016d3cca427"},
                                      {"outcome", "failed"},
                                      {"reason", "wrong reply 'Dog' to CMD2 (expected 'Cat')"},
                                      {"commands", 4},
                                      {"correct", 1},
                                      {"low_qos", 1},
                                      {"wrong", 1},
                                      {"surplus", 2}}));
}

TEST(SessionVerdict, DecodesWhatItEncodes) {
    const auto decoded = decode_verdict(encode_verdict(failed_summary()));
    ASSERT_TRUE(decoded) << decoded.error();
    const SessionVerdict& verdict = decoded.value();
    EXPECT_EQ(verdict.session_id, "1b4e28ba-2fa1-41d2-883f-0016d3cca427");
    EXPECT_EQ(verdict.outcome, SessionOutcome::kFailed);
    EXPECT_EQ(verdict.reason, "wrong reply 'Dog' to CMD2 (expected 'Cat')");
    EXPECT_EQ(verdict.commands, 4U);
    EXPECT_EQ(verdict.correct, 1U);
    EXPECT_EQ(verdict.low_qos, 1U);
    EXPECT_EQ(verdict.wrong, 1U);
    EXPECT_EQ(verdict.surplus, 2U);
}

TEST(SessionVerdict, EveryOutcomeSurvivesTheRoundTrip) {
    for (const SessionOutcome outcome :
         {SessionOutcome::kPassed, SessionOutcome::kFailed, SessionOutcome::kAbandoned,
          SessionOutcome::kTimedOut, SessionOutcome::kInterrupted}) {
        SessionSummary summary = failed_summary();
        summary.outcome = outcome;
        const auto decoded = decode_verdict(encode_verdict(summary));
        ASSERT_TRUE(decoded) << decoded.error();
        EXPECT_EQ(decoded.value().outcome, outcome) << to_string(outcome);
    }
}

TEST(SessionVerdict, AReasonQuotingBytesThatAreNotUtf8IsStillEncoded) {
    SessionSummary summary = failed_summary();
    summary.reason = "wrong reply '\xff\xfe' to CMD1";
    const auto decoded = decode_verdict(encode_verdict(summary));
    ASSERT_TRUE(decoded) << decoded.error();
    EXPECT_TRUE(decoded.value().reason.starts_with("wrong reply '"));
}

TEST(SessionVerdict, AnythingElseIsRefusedWithWhatIsWrong) {
    EXPECT_EQ(decode_verdict("Apple").error(), "not a JSON object");
    EXPECT_EQ(decode_verdict("[1,2]").error(), "not a JSON object");
    EXPECT_EQ(decode_verdict(R"({"outcome":"failed"})").error(), "no session_id");
    EXPECT_EQ(decode_verdict(R"({"session_id":"x"})").error(), "no outcome");
    EXPECT_EQ(decode_verdict(R"({"session_id":"x","outcome":"great"})").error(),
              "an unknown outcome");
    EXPECT_EQ(decode_verdict(R"({"session_id":"x","outcome":"failed","commands":-1})").error(),
              "no count commands");
    EXPECT_EQ(decode_verdict(std::string(kMaxVerdictBytes + 1, ' ')).error(),
              "longer than 4096 bytes");
}

}  // namespace
}  // namespace cmdlink::core
