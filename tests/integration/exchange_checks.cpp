#include "exchange_checks.hpp"

#include <map>
#include <set>
#include <utility>

namespace cmdlink::integration {
namespace {

using CommandAtQos = std::pair<std::string, int>;

}  // namespace

std::string expect_client_passed(CmdlinkProcess& client) {
    const auto exit_code = client.wait_for_exit();
    EXPECT_EQ(exit_code, 0) << client.describe();
    const std::vector<Json> events = client.events();
    if (events.empty()) {
        ADD_FAILURE() << "no JSON output\n" << client.describe();
        return {};
    }
    const Json& summary = events.back();
    EXPECT_EQ(summary.value("event", ""), "summary") << client.describe();
    EXPECT_EQ(summary.value("outcome", ""), "passed") << client.describe();
    EXPECT_EQ(events_named(events, "done").size(), 1U) << client.describe();
    EXPECT_TRUE(events_named(events, "error").empty()) << client.describe();
    EXPECT_TRUE(events_named(events, "unknown_command").empty()) << client.describe();

    std::size_t commands = 0;
    std::size_t replies = 0;
    for (std::size_t i = 0; i < events.size(); ++i) {
        const Json& event = events[i];
        const std::string name = event.value("event", "");
        if (name == "command") ++commands;
        if (name != "reply") continue;
        ++replies;
        const std::string command = event.value("command", "");
        EXPECT_EQ(event.value("reply", ""), default_reply(command)) << event.dump();
        // Each reply follows the command it answers.
        if (i == 0 || events[i - 1].value("event", "") != "command") {
            ADD_FAILURE() << "a reply without its command before it: " << event.dump();
            continue;
        }
        const Json& answered = events[i - 1];
        EXPECT_EQ(answered.value("command", ""), command) << event.dump();
        EXPECT_EQ(event.value("qos", -1), answered.value("qos", -2))
            << "the reply's QoS differs from the command's: " << answered.dump() << " "
            << event.dump();
    }
    EXPECT_GE(commands, 1U) << client.describe();
    EXPECT_EQ(replies, commands) << client.describe();
    EXPECT_EQ(summary.value("commands", -1), static_cast<int>(commands));
    EXPECT_EQ(summary.value("replies", -1), static_cast<int>(replies));
    return summary.value("session_id", "");
}

void expect_server_sessions_passed(CmdlinkProcess& server, std::size_t sessions,
                                   std::optional<int> qos) {
    const auto exit_code = server.wait_for_exit();
    EXPECT_EQ(exit_code, 0) << server.describe();
    const std::vector<Json> events = server.events();

    const std::vector<Json> ended = events_named(events, "session_end");
    EXPECT_EQ(ended.size(), sessions) << server.describe();
    std::set<std::string> session_ids;
    for (const Json& end : ended) {
        session_ids.insert(end.value("session_id", ""));
        EXPECT_EQ(end.value("outcome", ""), "passed") << end.dump();
        EXPECT_EQ(end.value("low_qos", -1), 0) << end.dump();
        EXPECT_EQ(end.value("wrong", -1), 0) << end.dump();
        EXPECT_EQ(end.value("surplus", -1), 0) << end.dump();
        EXPECT_GE(end.value("commands", 0), 1) << end.dump();
        EXPECT_EQ(end.value("correct", -1), end.value("commands", -2)) << end.dump();
    }
    EXPECT_EQ(session_ids.size(), sessions) << "session IDs are not distinct";

    // What each session sent and what came back, as (command, QoS) multisets.
    std::map<std::string, std::multiset<CommandAtQos>> sent;
    std::map<std::string, std::multiset<CommandAtQos>> answered;
    for (const Json& command : events_named(events, "command")) {
        if (qos) {
            EXPECT_EQ(command.value("qos", -1), *qos) << command.dump();
        }
        sent[command.value("session_id", "")].insert(
            {command.value("command", ""), command.value("qos", -1)});
    }
    for (const Json& reply : events_named(events, "reply")) {
        EXPECT_EQ(reply.value("verdict", ""), "correct") << reply.dump();
        answered[reply.value("session_id", "")].insert(
            {reply.value("command", ""), reply.value("qos", -1)});
    }
    for (const std::string& session_id : session_ids) {
        EXPECT_EQ(sent[session_id], answered[session_id])
            << "session " << session_id << ": replies differ from commands in QoS or number";
    }

    const std::vector<Json> summaries = events_named(events, "summary");
    ASSERT_EQ(summaries.size(), 1U) << server.describe();
    EXPECT_EQ(summaries[0].value("passed", -1), static_cast<int>(sessions));
    EXPECT_EQ(summaries[0].value("failed", -1), 0);
}

}  // namespace cmdlink::integration
