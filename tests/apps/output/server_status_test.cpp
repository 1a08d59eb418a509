#include "apps/output/server_status.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "core/random_source.hpp"

namespace cmdlink::apps {
namespace {

using namespace std::chrono_literals;

class FixedRandom : public core::RandomSource {
  public:
    std::uint64_t next_u64() override { return ++word_; }

  private:
    std::uint64_t word_ = 0;
};

TEST(WithThousands, GroupsDigitsByThree) {
    EXPECT_EQ(with_thousands(0), "0");
    EXPECT_EQ(with_thousands(999), "999");
    EXPECT_EQ(with_thousands(1000), "1,000");
    EXPECT_EQ(with_thousands(1234567), "1,234,567");
}

TEST(ServerStatus, ShowsSessionsAndTheCommandRateSinceTheLastTick) {
    FixedRandom random;
    auto issuer = core::Issuer::create({}, random);
    ASSERT_TRUE(issuer);
    const core::TimePoint start{};
    ServerStatus status(start);
    const core::server_event::CommandSent sent{"sid", "CMD1", 1, 0};
    for (int i = 0; i < 2468; ++i) status.on_event(sent);
    status.on_event(core::server_event::MessageIgnored{"x", "not a command"});
    EXPECT_EQ(status.tick(issuer.value(), start + 2s),
              "sessions active 0 · passed 0 · failed 0 · 1,234 commands/s");
    EXPECT_EQ(status.tick(issuer.value(), start + 3s),
              "sessions active 0 · passed 0 · failed 0 · 0 commands/s");
}

}  // namespace
}  // namespace cmdlink::apps
