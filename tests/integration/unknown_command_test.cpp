// A command missing from the client's table: the client warns and does not reply, so the
// server never says Well done; the client gives up after its idle timeout.
#include <gtest/gtest.h>

#include <string>

#include "integration_support.hpp"

namespace cmdlink::integration {
namespace {

class UnknownCommand : public BrokerTest {};

TEST_F(UnknownCommand, ClientWarnsSendsNoReplyAndTimesOut) {
    // The server draws only CMD1 and CMD7; the client knows CMD1 to CMD6.
    const auto server_table = write_file("server-table.txt", "CMD1 Apple\nCMD7 Toy\n");
    const std::string client_table_text =
        "CMD1 Apple\nCMD2 Cat\nCMD3 Dog\nCMD4 Rat\nCMD5 Boy\nCMD6 Girl\n";
    ASSERT_EQ(client_table_text.find("CMD7"), std::string::npos);
    const auto client_table = write_file("client-table.txt", client_table_text);

    CmdlinkProcess* server =
        start_server({"--command-table", server_table.string(), "--commands", "30", "--qos", "1",
                      "--delay", "0.1", "--session-timeout", "3", "--stop-after", "1"});
    ASSERT_NE(server, nullptr);
    CmdlinkProcess* client =
        start_client("forgetful", {"--commands", client_table.string(), "--idle-timeout", "2"});
    ASSERT_NE(client, nullptr);

    EXPECT_EQ(client->wait_for_exit(), 5) << client->describe();
    EXPECT_EQ(server->wait_for_exit(), 0) << server->describe();

    // 30 draws from two commands: CMD7 is among them (but for a chance of 2^-30).
    std::size_t cmd7_sent = 0;
    for (const Json& command : server->events("command")) {
        if (command.value("command", "") == "CMD7") ++cmd7_sent;
    }
    ASSERT_GE(cmd7_sent, 1U) << "the server sent no CMD7: the test proves nothing";

    const auto unknown = client->events("unknown_command");
    EXPECT_EQ(unknown.size(), cmd7_sent) << client->describe();
    for (const Json& event : unknown) {
        EXPECT_EQ(event.value("command", ""), "CMD7");
    }
    for (const Json& reply : client->events("reply")) {
        EXPECT_EQ(reply.value("command", ""), "CMD1") << reply.dump();
    }
    EXPECT_TRUE(client->events("done").empty());
    const auto client_summaries = client->events("summary");
    ASSERT_EQ(client_summaries.size(), 1U) << client->describe();
    EXPECT_EQ(client_summaries[0].value("outcome", ""), "idle_timeout");
    EXPECT_EQ(client_summaries[0].value("unknown", -1), static_cast<int>(cmd7_sent));

    // The server got every CMD1 answered and no reply at all to CMD7.
    for (const Json& reply : server->events("reply")) {
        EXPECT_EQ(reply.value("command", ""), "CMD1") << reply.dump();
        EXPECT_EQ(reply.value("verdict", ""), "correct") << reply.dump();
    }
    const auto ended = server->events("session_end");
    ASSERT_EQ(ended.size(), 1U) << server->describe();
    EXPECT_EQ(ended[0].value("outcome", ""), "timed_out") << ended[0].dump();
    EXPECT_EQ(ended[0].value("commands", -1), 30);
    EXPECT_EQ(ended[0].value("correct", -1), 30 - static_cast<int>(cmd7_sent));
}

}  // namespace
}  // namespace cmdlink::integration
