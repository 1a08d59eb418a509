#include "core/outbox.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "core/server_events.hpp"

namespace cmdlink::core {
namespace {

TEST(TextArena, KeptTextStaysInPlaceWhileMoreIsAdded) {
    TextArena arena;
    const std::string_view first = arena.keep("first");
    std::vector<std::string_view> more;
    for (int i = 0; i < 10000; ++i) more.push_back(arena.keep("some text " + std::to_string(i)));
    EXPECT_EQ(first, "first");
    EXPECT_EQ(more.back(), "some text 9999");
}

TEST(TextArena, TextLongerThanABlockIsKeptWhole) {
    TextArena arena;
    const std::string big(100'000, 'x');
    EXPECT_EQ(arena.keep(big), big);
    arena.clear();
    EXPECT_EQ(arena.keep("small"), "small");
}

TEST(Outbox, EntriesOutliveTheStringsTheyWereMadeFrom) {
    ServerOutbox outbox;
    {
        std::string topic = "session-1";
        std::string payload = "CMD1";
        outbox.publish(topic, payload, 1);
        std::string user = "12345";
        outbox.record(server_event::SessionIssued{user, topic, false});
    }
    ASSERT_EQ(outbox.entries().size(), 2U);
    const auto& action = std::get<MqttAction>(outbox.entries()[0]);
    EXPECT_EQ(action.topic, "session-1");
    EXPECT_EQ(action.payload, "CMD1");
    const auto& event = std::get<ServerEvent>(outbox.entries()[1]);
    EXPECT_EQ(std::get<server_event::SessionIssued>(event).user_id, "12345");
}

TEST(Outbox, TakingHandsOverEverythingInOrderAndStartsEmpty) {
    ServerOutbox outbox;
    ServerOutbox batch;
    outbox.subscribe("login", 2);
    outbox.disconnect();
    outbox.take_into(batch);
    EXPECT_TRUE(outbox.empty());
    ASSERT_EQ(batch.entries().size(), 2U);
    EXPECT_EQ(std::get<MqttAction>(batch.entries()[0]).kind, MqttAction::Kind::kSubscribe);
    EXPECT_EQ(std::get<MqttAction>(batch.entries()[1]).kind, MqttAction::Kind::kDisconnect);
    // What is appended while the batch is carried out waits for the next take.
    outbox.publish("x", "y", 0);
    EXPECT_EQ(batch.entries().size(), 2U);
    EXPECT_EQ(std::get<MqttAction>(batch.entries()[0]).topic, "login");
    outbox.take_into(batch);
    ASSERT_EQ(batch.entries().size(), 1U);
    EXPECT_EQ(std::get<MqttAction>(batch.entries()[0]).topic, "x");
}

TEST(Outbox, ASessionEndKeepsItsSummary) {
    ServerOutbox outbox;
    {
        SessionSummary summary;
        std::string user = "u";
        std::string session = "s";
        summary.user_id = user;
        summary.session_id = session;
        summary.reason = "a reason long enough to need the heap, surely";
        summary.commands = 7;
        outbox.record(server_event::SessionEnded{summary});
    }
    const auto& ended =
        std::get<server_event::SessionEnded>(std::get<ServerEvent>(outbox.entries()[0]));
    EXPECT_EQ(ended.summary.user_id, "u");
    EXPECT_EQ(ended.summary.session_id, "s");
    EXPECT_EQ(ended.summary.commands, 7U);
    EXPECT_EQ(ended.summary.reason, "a reason long enough to need the heap, surely");
}

}  // namespace
}  // namespace cmdlink::core
