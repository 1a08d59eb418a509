#include "core/uuid.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <unordered_set>

#include "recording_output.hpp"

namespace cmdlink::core {
namespace {

using test_support::ScriptedRandom;
using test_support::SeededRandom;

bool is_lower_hex(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

TEST(Uuid, HasTheCanonicalEightFourFourFourTwelveForm) {
    SeededRandom random(1);
    for (int i = 0; i < 100; ++i) {
        const std::string uuid = make_uuid_v4(random);
        ASSERT_EQ(uuid.size(), 36U) << uuid;
        for (std::size_t k = 0; k < uuid.size(); ++k) {
            if (k == 8 || k == 13 || k == 18 || k == 23) {
                EXPECT_EQ(uuid[k], '-') << uuid;
            } else {
                EXPECT_TRUE(is_lower_hex(uuid[k])) << uuid << " at " << k;
            }
        }
    }
}

TEST(Uuid, SetsVersionFourAndTheRfc4122Variant) {
    SeededRandom random(2);
    for (int i = 0; i < 1000; ++i) {
        const std::string uuid = make_uuid_v4(random);
        EXPECT_EQ(uuid[14], '4') << uuid;
        EXPECT_NE(std::string("89ab").find(uuid[19]), std::string::npos) << uuid;
        EXPECT_TRUE(is_uuid_v4(uuid)) << uuid;
    }
}

TEST(Uuid, OverridesTheVersionAndVariantBitsOfAllOnesAndAllZeros) {
    ScriptedRandom ones({~std::uint64_t{0}, ~std::uint64_t{0}});
    EXPECT_EQ(make_uuid_v4(ones), "ffffffff-ffff-4fff-bfff-ffffffffffff");
    ScriptedRandom zeros({0, 0});
    EXPECT_EQ(make_uuid_v4(zeros), "00000000-0000-4000-8000-000000000000");
}

TEST(Uuid, UsesTwoRandomWordsLowByteFirst) {
    ScriptedRandom random({0x0123456789abcdefULL, 0xfedcba9876543210ULL});
    EXPECT_EQ(make_uuid_v4(random), "efcdab89-6745-4301-9032-547698badcfe");
    EXPECT_EQ(random.draws, 2U);
}

TEST(Uuid, SeededSourceGivesDistinctIds) {
    SeededRandom random(3);
    std::unordered_set<std::string> seen;
    for (int i = 0; i < 10000; ++i) seen.insert(make_uuid_v4(random));
    EXPECT_EQ(seen.size(), 10000U);
}

TEST(Uuid, SameSeedGivesTheSameIds) {
    SeededRandom first(42);
    SeededRandom second(42);
    for (int i = 0; i < 10; ++i) EXPECT_EQ(make_uuid_v4(first), make_uuid_v4(second));
}

TEST(Uuid, RecognisesOnlyVersionFourUuidsInLowerCase) {
    EXPECT_TRUE(is_uuid_v4("1b4e28ba-2fa1-41d2-883f-0016d3cca427"));
    EXPECT_TRUE(is_uuid_v4("00000000-0000-4000-b000-000000000000"));
    EXPECT_FALSE(is_uuid_v4(""));
    EXPECT_FALSE(is_uuid_v4("1b4e28ba-2fa1-11d2-883f-0016d3cca427"));   // version 1
    EXPECT_FALSE(is_uuid_v4("1b4e28ba-2fa1-41d2-c83f-0016d3cca427"));   // Microsoft variant
    EXPECT_FALSE(is_uuid_v4("1b4e28ba-2fa1-41d2-783f-0016d3cca427"));   // NCS variant
    EXPECT_FALSE(is_uuid_v4("1B4E28BA-2FA1-41D2-883F-0016D3CCA427"));   // upper case
    EXPECT_FALSE(is_uuid_v4("1b4e28ba2fa141d2883f0016d3cca427"));       // no dashes
    EXPECT_FALSE(is_uuid_v4("1b4e28ba-2fa1-41d2-883f-0016d3cca42"));    // one digit short
    EXPECT_FALSE(is_uuid_v4("1b4e28ba-2fa1-41d2-883f-0016d3cca4277"));  // one digit long
    EXPECT_FALSE(is_uuid_v4("1b4e28b-a2fa1-41d2-883f-0016d3cca427"));   // dash moved
    EXPECT_FALSE(is_uuid_v4("1b4e28ba-2fa1-41d2-883f-0016d3cca42g"));   // not hex
    EXPECT_FALSE(is_uuid_v4("1234-fdsfs-12441-qa241"));
}

}  // namespace
}  // namespace cmdlink::core
