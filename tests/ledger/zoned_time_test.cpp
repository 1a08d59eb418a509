#include "ledger/zoned_time.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <optional>
#include <string>

namespace cmdlink::ledger {
namespace {

constexpr WallMicros kSecond = 1'000'000;
constexpr WallMicros kNovemberMorningUtc = 1795503600 * kSecond;  // 2026-11-24T07:00:00Z
constexpr WallMicros kJulyMorningUtc = 1782885600 * kSecond;      // 2026-07-01T06:00:00Z

// Each test runs in Berlin's zone and gives the process its own zone back afterwards.
class ZonedTime : public ::testing::Test {
  protected:
    void SetUp() override {
        if (const char* zone = std::getenv("TZ")) saved_ = zone;
        const auto used = use_time_zone("Europe/Berlin");
        ASSERT_TRUE(used.ok()) << used.error();
    }
    void TearDown() override {
        if (saved_) {
            setenv("TZ", saved_->c_str(), 1);
        } else {
            unsetenv("TZ");
        }
        tzset();
    }

  private:
    std::optional<std::string> saved_;
};

TEST_F(ZonedTime, FormatsWithTheZonesOffsetInWinterAndSummer) {
    EXPECT_EQ(format_local(kNovemberMorningUtc), "2026-11-24T08:00:00+01:00");
    EXPECT_EQ(format_local(kJulyMorningUtc + 999'999), "2026-07-01T08:00:00+02:00");
    ASSERT_TRUE(use_time_zone("UTC").ok());
    EXPECT_EQ(format_local(kNovemberMorningUtc), "2026-11-24T07:00:00+00:00");
}

TEST_F(ZonedTime, ReadsOffsetsZAndLocalTimes) {
    for (const char* text : {"2026-11-24T08:00+01:00", "2026-11-24T08:00:00+0100",
                             "2026-11-24 08:00+01", "2026-11-24T07:00Z", "2026-11-24T02:00-05:00",
                             "2026-11-24T08:00", "2026-11-24 08:00:00"}) {
        const auto parsed = parse_time(text);
        ASSERT_TRUE(parsed.ok()) << text << ": " << parsed.error();
        EXPECT_EQ(parsed.value(), kNovemberMorningUtc) << text;
    }
    const auto midnight = parse_time("2026-11-24");
    ASSERT_TRUE(midnight.ok()) << midnight.error();
    EXPECT_EQ(midnight.value(), kNovemberMorningUtc - kSecond * 8 * 3600);
    const auto summer = parse_time("2026-07-01T08:00");
    ASSERT_TRUE(summer.ok()) << summer.error();
    EXPECT_EQ(summer.value(), kJulyMorningUtc);
}

TEST_F(ZonedTime, RefusesALocalTimeInTheSpringGap) {
    const auto skipped = parse_time("2026-03-29T02:30");
    ASSERT_FALSE(skipped.ok());
    EXPECT_NE(skipped.error().find("does not exist"), std::string::npos) << skipped.error();
    EXPECT_TRUE(parse_time("2026-03-29T02:30+01:00").ok());
}

TEST_F(ZonedTime, TakesTheFirstOfAnAutumnHourThatHappensTwice) {
    const auto twice = parse_time("2026-10-25T02:30");
    ASSERT_TRUE(twice.ok()) << twice.error();
    EXPECT_EQ(twice.value(), 1792888200 * kSecond);  // 2026-10-25T00:30:00Z, still summer time
}

TEST_F(ZonedTime, RefusesOtherTextNamingTheAcceptedForms) {
    for (const char* text :
         {"", "last week", "2026-11-24T08:00+1", "2026-11-24+01:00", "2026-11-24T08:00 CET",
          "2026-11-24T08:00+24:00", "2026-13-01", "2026-11-24T08:00ZZ", "1795503600"}) {
        const auto parsed = parse_time(text);
        ASSERT_FALSE(parsed.ok()) << text;
        EXPECT_NE(parsed.error().find("YYYY-MM-DDTHH:MM"), std::string::npos) << parsed.error();
        EXPECT_NE(parsed.error().find("+01:00"), std::string::npos) << parsed.error();
    }
}

// Found by fuzz/zoned_time_fuzzer: before 1893 Berlin kept local mean time, +00:53:28, and an
// offset printed to the minute named another instant.
TEST_F(ZonedTime, ATimeBeforeWholeMinuteOffsetsReadsBackAsTheSameInstant) {
    const auto then = parse_time("1850-06-01T12:00:00Z");
    ASSERT_TRUE(then.ok()) << then.error();
    const std::string printed = format_local(then.value());
    EXPECT_EQ(printed, "1850-06-01T12:53:28+00:53:28");
    const auto back = parse_time(printed);
    ASSERT_TRUE(back.ok()) << back.error();
    EXPECT_EQ(back.value(), then.value());
}

// Found by fuzz/zoned_time_fuzzer: these threw std::out_of_range.
TEST_F(ZonedTime, RefusesATimeCutOffAfterItsTOrItsMinutes) {
    for (const char* text : {"2026-11-24T", "2026-11-24T08", "2026-11-24T08:0",
                             "2026-11-24T08:00:", "2026-11-24T08:00:5", "202+-09&2\x15T02f0"}) {
        const auto parsed = parse_time(text);
        EXPECT_FALSE(parsed.ok()) << text;
    }
}

TEST_F(ZonedTime, UnknownZoneNamesAreRefusedAndTheZoneStays) {
    for (const char* zone :
         {"Mars/Olympus_Mons", "../../etc/passwd", "/etc/localtime", "", "Europe"}) {
        const auto used = use_time_zone(zone);
        ASSERT_FALSE(used.ok()) << zone;
        EXPECT_NE(used.error().find("IANA"), std::string::npos) << used.error();
    }
    EXPECT_EQ(format_local(kNovemberMorningUtc), "2026-11-24T08:00:00+01:00");
}

}  // namespace
}  // namespace cmdlink::ledger
