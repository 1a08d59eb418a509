// `cmdlink bench`: many sessions from one process, against its own or an external server.
#include <gtest/gtest.h>

#include <set>

#include "integration_support.hpp"

namespace cmdlink::integration {
namespace {

// The final report is the only JSON line on stdout.
Json final_report(const CmdlinkProcess& bench) {
    const auto events = bench.events();
    if (events.size() != 1) return Json();
    return events[0];
}

void expect_latency_object(const Json& latency, const std::vector<std::string>& keys) {
    ASSERT_TRUE(latency.is_object()) << latency.dump();
    double previous = 0;
    for (const auto& key : keys) {
        ASSERT_TRUE(latency.contains(key) && latency[key].is_number()) << key << " " << latency;
        EXPECT_GE(latency[key].get<double>(), previous) << key << " " << latency;
        previous = latency[key].get<double>();
    }
}

class Bench : public BrokerTest {};

TEST_F(Bench, PrivateBrokerAndInProcessServerReportEveryField) {
    CmdlinkProcess* bench = run_cmdlink(
        "bench", {"bench", "--sessions", "40", "--threads", "2", "--delay", "0.1", "--json", "-q"});
    ASSERT_NE(bench, nullptr);
    EXPECT_EQ(bench->wait_for_exit(), 0) << bench->describe();
    const Json report = final_report(*bench);
    ASSERT_TRUE(report.is_object()) << bench->describe();
    EXPECT_EQ(report.value("sessions", -1), 40);
    EXPECT_EQ(report.value("passed", -1), 40);
    EXPECT_EQ(report.value("failed", -1), 0);
    EXPECT_EQ(report.value("threads", -1), 2);
    EXPECT_GE(report.value("commands", 0), 40 * 3);
    for (const char* key : {"sessions_per_s", "connects_per_s", "cpu_ms", "broker_cpu_ms"}) {
        ASSERT_TRUE(report.contains(key) && report[key].is_number()) << key;
        EXPECT_GE(report[key].get<double>(), 0) << key;
    }
    EXPECT_GT(report.value("sessions_per_s", 0.0), 0);
    EXPECT_GT(report.value("peak_rss_kb", 0), 0);
    expect_latency_object(report["latency_ms"], {"p50", "p90", "p99", "p999", "max"});
    expect_latency_object(report["login_to_session_ms"], {"p50", "p99"});
}

TEST_F(Bench, ExternalServerSeesEverySessionPass) {
    CmdlinkProcess* server = start_server({"--delay", "0.1", "--qos", "2"});
    ASSERT_NE(server, nullptr);
    CmdlinkProcess* bench = run_cmdlink(
        "bench", {"bench", "--port", port_text(), "--external-server", "--sessions", "25",
                  "--concurrency", "5", "--ramp", "200", "--user-prefix", "ext-", "--json", "-q"});
    ASSERT_NE(bench, nullptr);
    EXPECT_EQ(bench->wait_for_exit(), 0) << bench->describe();
    const Json report = final_report(*bench);
    EXPECT_EQ(report.value("passed", -1), 25) << bench->describe();
    EXPECT_TRUE(report["latency_ms"].is_null()) << "only an in-process server measures it";
    ASSERT_TRUE(wait_until([&] { return server->events("session_end").size() >= 25; }, kWaitLimit));
    std::set<std::string> users;
    for (const Json& end : server->events("session_end")) {
        EXPECT_EQ(end.value("outcome", ""), "passed") << end.dump();
        users.insert(end.value("user_id", ""));
    }
    EXPECT_EQ(users.size(), 25U);
    EXPECT_EQ(users.count("ext-0"), 1U);
    EXPECT_EQ(users.count("ext-24"), 1U);
}

TEST_F(Bench, RandomQosWithLockstepPacingPasses) {
    CmdlinkProcess* bench = run_cmdlink(
        "bench", {"bench", "--port", port_text(), "--sessions", "20", "--qos", "random", "--pacing",
                  "lockstep", "--commands", "5", "--delay", "0.1", "--json", "-q"});
    ASSERT_NE(bench, nullptr);
    EXPECT_EQ(bench->wait_for_exit(), 0) << bench->describe();
    const Json report = final_report(*bench);
    EXPECT_EQ(report.value("passed", -1), 20) << bench->describe();
    EXPECT_EQ(report.value("commands", -1), 100);
    EXPECT_EQ(report.value("qos", ""), "random");
}

TEST_F(Bench, UnreachableBrokerExitsCannotConnect) {
    const auto port = closed_port();
    ASSERT_TRUE(port.has_value());
    CmdlinkProcess* bench =
        run_cmdlink("bench", {"bench", "--port", std::to_string(*port), "--sessions", "3",
                              "--connect-timeout", "1", "--json", "-q"});
    ASSERT_NE(bench, nullptr);
    EXPECT_EQ(bench->wait_for_exit(), 3) << bench->describe();
}

TEST_F(Bench, BadUsageExitsTwo) {
    for (const std::vector<std::string>& arguments :
         {std::vector<std::string>{"bench", "--sessions", "0"},
          std::vector<std::string>{"bench", "--external-server"},
          std::vector<std::string>{"bench", "--ramp", "-1"},
          std::vector<std::string>{"bench", "--commands", "9-2"}}) {
        CmdlinkProcess* bench = run_cmdlink("bench", arguments);
        ASSERT_NE(bench, nullptr);
        EXPECT_EQ(bench->wait_for_exit(), 2) << bench->describe();
    }
}

}  // namespace
}  // namespace cmdlink::integration
