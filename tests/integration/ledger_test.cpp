// `cmdlink server --ledger` and `cmdlink results` as separate processes against a real broker.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "integration_support.hpp"

namespace cmdlink::integration {
namespace {

class LedgerCommands : public BrokerTest {
  protected:
    std::string ledger_path() const { return (workspace() / "course.db").string(); }

    // `cmdlink results <arguments...>` run to its end: its exit code.
    CmdlinkProcess* run_results(const std::vector<std::string>& arguments) {
        std::vector<std::string> full = {"results"};
        full.insert(full.end(), arguments.begin(), arguments.end());
        CmdlinkProcess* results = run_cmdlink("results", full);
        if (results != nullptr) {
            EXPECT_TRUE(results->wait_for_exit().has_value());
        }
        return results;
    }

    Json results_json(const std::vector<std::string>& extra) {
        std::vector<std::string> arguments = {"--ledger", ledger_path(), "--format", "json"};
        arguments.insert(arguments.end(), extra.begin(), extra.end());
        CmdlinkProcess* results = run_results(arguments);
        if (results == nullptr) return {};
        EXPECT_EQ(results->wait_for_exit(), 0) << results->describe();
        Json parsed = Json::parse(results->stdout_text(), nullptr, false);
        EXPECT_FALSE(parsed.is_discarded()) << results->describe();
        return parsed;
    }
};

TEST_F(LedgerCommands, ResultsShowTheSessionsTheServerRan) {
    CmdlinkProcess* server = start_server(
        {"--ledger", ledger_path(), "--delay", "0.1", "--commands", "3-11", "--stop-after", "2"});
    ASSERT_NE(server, nullptr);
    CmdlinkProcess* first = start_client("31001", {});
    CmdlinkProcess* second = start_client("31002", {});
    ASSERT_NE(first, nullptr);
    ASSERT_NE(second, nullptr);
    EXPECT_EQ(first->wait_for_exit(), 0) << first->describe();
    EXPECT_EQ(second->wait_for_exit(), 0) << second->describe();
    ASSERT_EQ(server->wait_for_exit(), 0) << server->describe();

    const Json summary = results_json({});
    ASSERT_EQ(summary["users"].size(), 2U) << summary.dump(2);
    for (const Json& user : summary["users"]) {
        EXPECT_EQ(user["best_outcome"], "passed") << user.dump();
        EXPECT_EQ(user["attempts"], 1);
        EXPECT_GE(user["commands"].get<int>(), 3);
        EXPECT_EQ(user["replies"], user["commands"]);
        EXPECT_TRUE(user["latency_p50_us"].is_number()) << user.dump();
    }
    std::set<std::string> session_ids;
    for (const Json& session : summary["sessions"]) {
        EXPECT_EQ(session["outcome"], "passed") << session.dump();
        EXPECT_TRUE(session["ended"].is_string()) << session.dump();
        session_ids.insert(session["session_id"].get<std::string>());
    }
    EXPECT_EQ(session_ids.size(), 2U);

    const Json raw = results_json({"--raw", "--user-id", "31001"});
    ASSERT_FALSE(raw["replies"].empty()) << raw.dump(2);
    for (const Json& reply : raw["replies"]) {
        EXPECT_EQ(reply["user_id"], "31001");
        EXPECT_EQ(reply["verdict"], "correct") << reply.dump();
        EXPECT_EQ(reply["word"], default_reply(reply["command"].get<std::string>()));
    }
    EXPECT_TRUE(results_json({"--since", "2999-01-01"})["sessions"].empty());
}

TEST_F(LedgerCommands, TableAndCsvHaveOneLinePerUser) {
    CmdlinkProcess* server =
        start_server({"--ledger", ledger_path(), "--delay", "0.1", "--stop-after", "1"});
    ASSERT_NE(server, nullptr);
    CmdlinkProcess* client = start_client("31003", {});
    ASSERT_NE(client, nullptr);
    EXPECT_EQ(client->wait_for_exit(), 0) << client->describe();
    ASSERT_EQ(server->wait_for_exit(), 0) << server->describe();
    for (const char* format : {"table", "csv"}) {
        CmdlinkProcess* results = run_results({"--ledger", ledger_path(), "--format", format});
        ASSERT_NE(results, nullptr);
        EXPECT_EQ(results->wait_for_exit(), 0) << results->describe();
        const std::string text = results->stdout_text();
        EXPECT_NE(text.find("31003"), std::string::npos) << text;
        EXPECT_NE(text.find("passed"), std::string::npos) << text;
    }
}

TEST_F(LedgerCommands, AServerWithALedgerItCannotWriteExitsAtOnce) {
    CmdlinkProcess* server =
        run_cmdlink("server", {"server", "--host", "127.0.0.1", "--port", port_text(), "--ledger",
                               "/sys/cmdlink-ledger.db"});
    ASSERT_NE(server, nullptr);
    EXPECT_EQ(server->wait_for_exit(), 2) << server->describe();
    EXPECT_NE(server->stderr_text().find("/sys/cmdlink-ledger.db"), std::string::npos)
        << server->describe();
}

TEST_F(LedgerCommands, ACorruptLedgerIsRefusedByServerAndResults) {
    const auto path = write_file("corrupt.db", std::string(8192, 'x'));
    CmdlinkProcess* server = run_cmdlink("server", {"server", "--host", "127.0.0.1", "--port",
                                                    port_text(), "--ledger", path.string()});
    ASSERT_NE(server, nullptr);
    EXPECT_EQ(server->wait_for_exit(), 2) << server->describe();
    EXPECT_NE(server->stderr_text().find("unusable ledger"), std::string::npos)
        << server->describe();
    CmdlinkProcess* results = run_results({"--ledger", path.string()});
    ASSERT_NE(results, nullptr);
    EXPECT_EQ(results->wait_for_exit(), 2) << results->describe();
    EXPECT_NE(results->stderr_text().find("not a database"), std::string::npos)
        << results->describe();
}

TEST_F(LedgerCommands, ResultsNeverCreateALedgerAndRejectAnUnknownTime) {
    const std::string missing = (workspace() / "missing.db").string();
    CmdlinkProcess* results = run_results({"--ledger", missing});
    ASSERT_NE(results, nullptr);
    EXPECT_EQ(results->wait_for_exit(), 2) << results->describe();
    EXPECT_FALSE(std::filesystem::exists(missing));

    CmdlinkProcess* bad_since = run_results({"--ledger", missing, "--since", "last week"});
    ASSERT_NE(bad_since, nullptr);
    EXPECT_EQ(bad_since->wait_for_exit(), 2) << bad_since->describe();
    EXPECT_NE(bad_since->stderr_text().find("YYYY-MM-DD"), std::string::npos)
        << bad_since->describe();
}

}  // namespace
}  // namespace cmdlink::integration
