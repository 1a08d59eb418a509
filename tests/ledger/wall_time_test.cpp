#include "ledger/wall_time.hpp"

#include <gtest/gtest.h>

namespace cmdlink::ledger {
namespace {

constexpr WallMicros kSecond = 1'000'000;
// 2024-02-29T13:45:30Z
constexpr WallMicros kLeapDayAfternoon = 1709214330 * kSecond;

TEST(WallTime, FormatsUtcWithMicroseconds) {
    EXPECT_EQ(format_utc(kLeapDayAfternoon + 42), "2024-02-29T13:45:30.000042Z");
    EXPECT_EQ(format_utc(0), "1970-01-01T00:00:00.000000Z");
}

TEST(WallTime, ParsesTheDocumentedForms) {
    EXPECT_EQ(parse_utc("2024-02-29T13:45:30"), kLeapDayAfternoon);
    EXPECT_EQ(parse_utc("2024-02-29T13:45:30Z"), kLeapDayAfternoon);
    EXPECT_EQ(parse_utc("2024-02-29 13:45:30"), kLeapDayAfternoon);
    EXPECT_EQ(parse_utc("2024-02-29T13:45"), kLeapDayAfternoon - 30 * kSecond);
    EXPECT_EQ(parse_utc("2024-02-29"), kLeapDayAfternoon - (13 * 3600 + 45 * 60 + 30) * kSecond);
}

TEST(WallTime, RejectsAnythingElse) {
    for (const char* text : {"", "yesterday", "2024-02-30", "2023-02-29", "2024-2-29",
                             "2024-02-29T24:00", "2024-02-29T13:60", "2024-02-29T13:45:30+01:00",
                             "2024-02-29T13:45:30.5", "1709214330", "2024-02-29X13:45"}) {
        EXPECT_FALSE(parse_utc(text).has_value()) << text;
    }
}

}  // namespace
}  // namespace cmdlink::ledger
