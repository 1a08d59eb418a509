// One `cmdlink server` with its ledger holding a thousand sessions at once on one connection,
// driven by `cmdlink bench --external-server`; `cmdlink results` must show every one passed.
#include <gtest/gtest.h>

#include "integration_support.hpp"

namespace cmdlink::integration {
namespace {

class ServerScale : public BrokerTest {};

TEST_F(ServerScale, AThousandConcurrentSessionsAllPassAndAreAllInTheLedger) {
    constexpr int kSessions = 1000;
    const std::string ledger = (workspace() / "ledger.db").string();
    // Every session waits its delay after the login, so with a 1 s delay and logins opened
    // at 2,000/s all of them are in flight together.
    CmdlinkProcess* server =
        start_server({"--delay", "1", "--session-timeout", "60", "--stop-after",
                      std::to_string(kSessions), "--ledger", ledger});
    ASSERT_NE(server, nullptr);
    CmdlinkProcess* bench =
        run_cmdlink("bench", {"bench", "--port", port_text(), "--external-server", "--sessions",
                              std::to_string(kSessions), "--ramp", "2000", "--user-prefix",
                              "scale-", "--json", "-q"});
    ASSERT_NE(bench, nullptr);
    ASSERT_EQ(bench->wait_for_exit(), 0) << bench->describe();
    const auto reports = bench->events();
    ASSERT_EQ(reports.size(), 1U) << bench->describe();
    EXPECT_EQ(reports[0].value("passed", -1), kSessions);
    EXPECT_GT(reports[0].value("peak_active", 0), kSessions / 2) << reports[0].dump();
    ASSERT_EQ(server->wait_for_exit(), 0) << server->describe();

    CmdlinkProcess* results =
        run_cmdlink("results", {"results", "--ledger", ledger, "--format", "json"});
    ASSERT_NE(results, nullptr);
    ASSERT_EQ(results->wait_for_exit(), 0) << results->describe();
    const Json parsed = Json::parse(results->stdout_text(), nullptr, false);
    ASSERT_TRUE(parsed.is_object()) << results->describe();
    const Json& users = parsed["users"];
    ASSERT_EQ(users.size(), static_cast<std::size_t>(kSessions));
    int passed = 0;
    for (const Json& user : users) {
        if (user.value("best_outcome", "") == "passed") ++passed;
    }
    EXPECT_EQ(passed, kSessions);
}

}  // namespace
}  // namespace cmdlink::integration
