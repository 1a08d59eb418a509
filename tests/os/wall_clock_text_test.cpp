#include "os/wall_clock_text.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <ctime>
#include <optional>
#include <string>

namespace cmdlink::os {
namespace {

// Runs each test in a time zone of its own and puts TZ back afterwards.
class Iso8601Local : public ::testing::Test {
  protected:
    void TearDown() override {
        if (saved_) {
            ::setenv("TZ", saved_->c_str(), 1);
        } else {
            ::unsetenv("TZ");
        }
        ::tzset();
    }
    void use_zone(const char* zone) {
        if (const char* old = std::getenv("TZ"); old != nullptr && !saved_) saved_ = old;
        ::setenv("TZ", zone, 1);
        ::tzset();
    }
    static std::chrono::system_clock::time_point utc(std::time_t seconds, int millis = 0) {
        return std::chrono::system_clock::from_time_t(seconds) + std::chrono::milliseconds(millis);
    }

  private:
    std::optional<std::string> saved_;
};

// 2026-11-30T01:00:00Z
constexpr std::time_t kNovember30 = 1'796'000'400;

TEST_F(Iso8601Local, WritesTheDateTimeMillisecondsAndTheOffsetWithAColon) {
    use_zone("Europe/Berlin");
    EXPECT_EQ(iso8601_local(utc(kNovember30, 7)), "2026-11-30T02:00:00.007+01:00");
}

TEST_F(Iso8601Local, WritesUtcAsPlusZero) {
    use_zone("UTC");
    EXPECT_EQ(iso8601_local(utc(kNovember30, 999)), "2026-11-30T01:00:00.999+00:00");
}

TEST_F(Iso8601Local, WritesANegativeHalfHourOffset) {
    use_zone("America/St_Johns");
    EXPECT_EQ(iso8601_local(utc(kNovember30)), "2026-11-29T21:30:00.000-03:30");
}

TEST_F(Iso8601Local, KeepsTheSecondsOfAnOffsetThatHasThem) {
    use_zone("Europe/Berlin");  // local mean time until 1893: +00:53:28
    EXPECT_EQ(iso8601_local(utc(-2'524'521'600)), "1890-01-01T00:53:28.000+00:53:28");
}

}  // namespace
}  // namespace cmdlink::os
