// The proof a Mosquitto log gives of a QoS 2 copy the broker made, on lines in the form
// Mosquitto 2.0.11 writes them (taken from a broker-kill soak's log, IDs shortened).
#include "broker_log_checks.hpp"

#include <gtest/gtest.h>

#include <string>

namespace cmdlink::integration {
namespace {

constexpr const char* kStarting = "1: mosquitto version 2.0.11 starting\n";

std::string sent_publish(int dup, int packet_id, const std::string& topic) {
    return "1: Sending PUBLISH to cmdlink-7 (d" + std::to_string(dup) + ", q2, r0, m" +
           std::to_string(packet_id) + ", '" + topic + "', ... (4 bytes))\n";
}
std::string received_pubrec(int packet_id) {
    return "1: Received PUBREC from cmdlink-7 (Mid: " + std::to_string(packet_id) + ")\n";
}
std::string sent_pubrel(int packet_id) {
    return "1: Sending PUBREL to cmdlink-7 (m" + std::to_string(packet_id) + ")\n";
}
std::string received_pubcomp(int packet_id) {
    return "1: Received PUBCOMP from cmdlink-7 (Mid: " + std::to_string(packet_id) + ", RC:0)\n";
}
std::string completed(int packet_id, const std::string& topic) {
    return sent_publish(0, packet_id, topic) + received_pubrec(packet_id) + sent_pubrel(packet_id) +
           received_pubcomp(packet_id);
}

TEST(BrokerLogChecks, APublishSentAgainAfterItsPubrelBeforeThePubcompIsTheBrokersCopy) {
    const std::string log = sent_publish(0, 3, "s1") + received_pubrec(3) + sent_pubrel(3) +
                            kStarting + sent_publish(1, 3, "s1");
    const auto resends = qos2_publishes_resent_after_pubrel(log);
    ASSERT_EQ(resends.size(), 1U);
    EXPECT_EQ(resends[0].client_id, "cmdlink-7");
    EXPECT_EQ(resends[0].topic, "s1");
    EXPECT_EQ(resends[0].line + "\n", sent_publish(1, 3, "s1"));
}

TEST(BrokerLogChecks, ADupPublishAfterACompletedExchangeIsTheBrokersCopy) {
    // A restart from a database saved before the PUBCOMP: the soak's case.
    const std::string log = completed(3, "s1") + kStarting + sent_publish(1, 3, "s1");
    EXPECT_EQ(resends_to(qos2_publishes_resent_after_pubrel(log), "cmdlink-7", "s1"), 1U);
}

TEST(BrokerLogChecks, ANewPublishReusingACompletedPacketIdIsNoCopy) {
    const std::string log = completed(3, "s1") + sent_publish(0, 3, "s1");
    EXPECT_TRUE(qos2_publishes_resent_after_pubrel(log).empty());
}

TEST(BrokerLogChecks, ARetryBeforeThePubrelIsNoCopy) {
    // The receiver still holds the packet ID, so it delivers the message once.
    const std::string log = sent_publish(0, 3, "s1") + kStarting + sent_publish(1, 3, "s1") +
                            received_pubrec(3) + sent_pubrel(3) + received_pubcomp(3);
    EXPECT_TRUE(qos2_publishes_resent_after_pubrel(log).empty());
}

TEST(BrokerLogChecks, ACopyRetriedBeforeItsOwnPubrelCountsOnce) {
    const std::string log = completed(3, "s1") + kStarting + sent_publish(1, 3, "s1") + kStarting +
                            sent_publish(1, 3, "s1") + received_pubrec(3) + sent_pubrel(3) +
                            received_pubcomp(3);
    EXPECT_EQ(qos2_publishes_resent_after_pubrel(log).size(), 1U);
}

TEST(BrokerLogChecks, CopiesAreCountedByReceiverAndTopic) {
    const std::string log = completed(3, "s1") + completed(4, "s2") + kStarting +
                            sent_publish(1, 3, "s1") + sent_publish(1, 4, "s2");
    const auto resends = qos2_publishes_resent_after_pubrel(log);
    EXPECT_EQ(resends_to(resends, "cmdlink-7", "s1"), 1U);
    EXPECT_EQ(resends_to(resends, "cmdlink-7", "s2"), 1U);
    EXPECT_EQ(resends_to(resends, "cmdlink-8", "s1"), 0U);
}

TEST(BrokerLogChecks, QosOnePublishesAreNeverCopies) {
    const std::string log =
        completed(3, "s1") +
        "1: Sending PUBLISH to cmdlink-7 (d1, q1, r0, m3, 's1', ... (4 bytes))\n";
    EXPECT_TRUE(qos2_publishes_resent_after_pubrel(log).empty());
}

}  // namespace
}  // namespace cmdlink::integration
