// The --json event stream (docs/json-events.md): every line carries the schema version, the
// wall-clock time and the side that wrote it. Every integration test also checks each event
// its processes emit against the document (ProcessTest::expect_documented_events).
#include <gtest/gtest.h>

#include <chrono>
#include <ctime>
#include <set>
#include <string>
#include <string_view>

#include "integration_support.hpp"
#include "json_event_schema.hpp"

namespace cmdlink::integration {
namespace {

// YYYY-MM-DDTHH:MM:SS.mmm+HH:MM, the offset's seconds optional (std::regex trips GCC 12's
// -Wmaybe-uninitialized under ASan, so the shape is checked by hand).
bool looks_like_iso8601(const std::string& text) {
    static constexpr std::string_view kShape = "dddd-dd-ddTdd:dd:dd.ddd+dd:dd";
    if (text.size() != kShape.size() && text.size() != kShape.size() + 3) return false;
    for (std::size_t index = 0; index < text.size(); ++index) {
        const char shape = index < kShape.size() ? kShape[index] : ":dd"[index - kShape.size()];
        const char c = text[index];
        const bool fits = shape == 'd'   ? (c >= '0' && c <= '9')
                          : shape == '+' ? (c == '+' || c == '-')
                                         : c == shape;
        if (!fits) return false;
    }
    return true;
}

class JsonEvents : public ProcessTest {};

TEST_F(JsonEvents, EveryDemoLineHasTheSchemaAnIso8601TimeAndItsRole) {
    const std::time_t before = std::time(nullptr);
    CmdlinkProcess* demo =
        run_cmdlink("demo", {"demo", "--clients", "2", "--delay", "0.1", "--json", "-q"});
    ASSERT_NE(demo, nullptr);
    EXPECT_EQ(demo->wait_for_exit(), 0) << demo->describe();
    const std::time_t after = std::time(nullptr);

    std::set<std::string> roles;
    const auto events = demo->events();
    ASSERT_FALSE(events.empty()) << demo->describe();
    for (const Json& event : events) {
        EXPECT_EQ(event.value("schema", 0), 1) << event.dump();
        const std::string time = event.value("time", "");
        EXPECT_TRUE(looks_like_iso8601(time)) << event.dump();
        roles.insert(event.value("role", ""));
    }
    // The first event's date is today's (or the test ran across midnight).
    std::tm first{};
    const std::string first_time = events.front().value("time", "");
    ASSERT_NE(strptime(first_time.c_str(), "%Y-%m-%dT%H:%M:%S", &first), nullptr) << first_time;
    first.tm_isdst = -1;
    const std::time_t at = std::mktime(&first);
    EXPECT_GE(at, before - 1) << first_time;
    EXPECT_LE(at, after + 1) << first_time;
    // The demo's stream mixes both sides and its own result.
    EXPECT_EQ(roles, (std::set<std::string>{"client", "demo", "server"}));
}

TEST_F(JsonEvents, AClientThatCannotConnectStillEndsWithItsSummary) {
    const auto port = closed_port();
    ASSERT_TRUE(port.has_value());
    CmdlinkProcess* client = run_cmdlink(
        "client", {"client", "--host", "127.0.0.1", "--port", std::to_string(*port), "--user-id",
                   "nobody-home", "--connect-timeout", "1", "--json", "-q"});
    ASSERT_NE(client, nullptr);
    EXPECT_EQ(client->wait_for_exit(), 3) << client->describe();
    const auto events = client->events();
    ASSERT_FALSE(events.empty()) << client->describe();
    EXPECT_EQ(events.back().value("event", ""), "summary") << client->describe();
}

TEST(JsonEventSchemaCheck, RefusesAnUndocumentedEventAFieldOfAnotherTypeAndAMissingField) {
    const Json common = {
        {"schema", 1}, {"time", "2026-11-30T02:00:00.000+01:00"}, {"role", "server"}};
    Json unknown = common;
    unknown["event"] = "no_such_event";
    EXPECT_FALSE(check_json_event(unknown).empty());

    Json connected = common;
    connected["event"] = "connected";
    connected["session_present"] = false;
    EXPECT_TRUE(check_json_event(connected).empty()) << check_json_event(connected).front();

    Json wrong_type = connected;
    wrong_type["session_present"] = "no";
    EXPECT_FALSE(check_json_event(wrong_type).empty());

    Json extra = connected;
    extra["surprise"] = 1;
    EXPECT_FALSE(check_json_event(extra).empty());

    Json missing = connected;
    missing.erase("time");
    EXPECT_FALSE(check_json_event(missing).empty());
}

}  // namespace
}  // namespace cmdlink::integration
