#include "server/announce_gate.hpp"

#include <gtest/gtest.h>

#include <cstdint>

namespace cmdlink::server {
namespace {

constexpr auto kGranted = static_cast<std::uint8_t>(Confirmation::kGranted);

TEST(AnnounceGate, WithNothingRequiredASessionGoesOutAtOnce) {
    AnnounceGate gate(0);
    EXPECT_TRUE(gate.wait("s1"));
    EXPECT_EQ(gate.waiting(), 0U);
}

TEST(AnnounceGate, EachSessionWaitsForItsOwnConfirmationInAnyOrder) {
    AnnounceGate gate(kGranted);
    EXPECT_FALSE(gate.wait("s1"));
    EXPECT_FALSE(gate.wait("s2"));
    EXPECT_TRUE(gate.confirm("s2", Confirmation::kGranted));
    EXPECT_EQ(gate.waiting(), 1U);
    EXPECT_TRUE(gate.confirm("s1", Confirmation::kGranted));
    EXPECT_EQ(gate.waiting(), 0U);
}

TEST(AnnounceGate, AConfirmationForNoWaitingSessionOpensNothing) {
    AnnounceGate gate(0);
    gate.require(Confirmation::kGranted);
    EXPECT_FALSE(gate.confirm("never-issued", Confirmation::kGranted));
    EXPECT_FALSE(gate.wait("s1"));
    EXPECT_TRUE(gate.confirm("s1", Confirmation::kGranted));
    EXPECT_FALSE(gate.confirm("s1", Confirmation::kGranted)) << "announced twice";
}

TEST(AnnounceGate, ASessionThatEndedWhileWaitingIsNeverLetThrough) {
    AnnounceGate gate(kGranted);
    EXPECT_FALSE(gate.wait("s1"));
    gate.forget("s1");
    EXPECT_FALSE(gate.confirm("s1", Confirmation::kGranted));
    EXPECT_EQ(gate.waiting(), 0U);
}

}  // namespace
}  // namespace cmdlink::server
