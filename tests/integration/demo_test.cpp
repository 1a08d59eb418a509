// `cmdlink demo`: a broker, a server and clients of its own, in one command.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "integration_support.hpp"

namespace cmdlink::integration {
namespace {

class Demo : public ProcessTest {};

TEST_F(Demo, ThreeClientsPass) {
    CmdlinkProcess* demo =
        run_cmdlink("demo", {"demo", "--clients", "3", "--delay", "0.1", "--json", "-q"});
    ASSERT_NE(demo, nullptr);
    EXPECT_EQ(demo->wait_for_exit(), 0) << demo->describe();
    const auto results = demo->events("demo");
    ASSERT_EQ(results.size(), 1U) << demo->describe();
    EXPECT_EQ(results[0].value("clients", -1), 3);
    EXPECT_EQ(results[0].value("passed", -1), 3);
    const auto ended = demo->events("session_end");
    EXPECT_EQ(ended.size(), 3U) << demo->describe();
    for (const Json& end : ended) {
        EXPECT_EQ(end.value("outcome", ""), "passed") << end.dump();
    }
}

// The delay covers the reconnect of each client after the broker drops it for its session
// grant (docs/isolation.md).
TEST_F(Demo, ThreeClientsWithTheirOwnAccountsPass) {
    CmdlinkProcess* demo = run_cmdlink(
        "demo", {"demo", "--roster", "--clients", "3", "--delay", "1.5", "--json", "-q"});
    ASSERT_NE(demo, nullptr);
    EXPECT_EQ(demo->wait_for_exit(), 0) << demo->describe();
    const auto results = demo->events("demo");
    ASSERT_EQ(results.size(), 1U) << demo->describe();
    EXPECT_EQ(results[0].value("passed", -1), 3);
    EXPECT_EQ(demo->events("session_end").size(), 3U) << demo->describe();
}

TEST_F(Demo, RosterFileNamesTheClients) {
    const auto roster =
        write_file("roster.csv", "username,password,user_id\nann,pw-ann,501\nben,pw-ben,502\n");
    CmdlinkProcess* demo = run_cmdlink(
        "demo", {"demo", "--roster", roster.string(), "--delay", "1.5", "--json", "-q"});
    ASSERT_NE(demo, nullptr);
    EXPECT_EQ(demo->wait_for_exit(), 0) << demo->describe();
    std::set<std::string> users;
    for (const Json& end : demo->events("session_end")) {
        EXPECT_EQ(end.value("outcome", ""), "passed") << end.dump();
        users.insert(end.value("user_id", ""));
    }
    EXPECT_EQ(users, (std::set<std::string>{"501", "502"})) << demo->describe();
}

TEST_F(Demo, ZeroClientsIsAUsageError) {
    CmdlinkProcess* demo = run_cmdlink("demo", {"demo", "--clients", "0"});
    ASSERT_NE(demo, nullptr);
    EXPECT_EQ(demo->wait_for_exit(), 2) << demo->describe();
}

}  // namespace
}  // namespace cmdlink::integration
