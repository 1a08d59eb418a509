// `cmdlink results --roster` as a process, on a ledger written by the server's own ledger
// writer: a course day with never-tried, late, low-QoS, failing and extended students and a
// formula-shaped user ID, read in every format.
#include <gtest/gtest.h>

#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "integration_support.hpp"
#include "ledger/ledger_writer.hpp"

namespace cmdlink::integration {
namespace {

using core::SessionOutcome;
using ledger::WallMicros;

constexpr WallMicros kMinute = 60'000'000;
// 2026-11-24T08:00:00Z, an hour before the deadline the tests give (10:00 in Berlin).
constexpr WallMicros kEightUtc = 1795507200LL * 1'000'000;

constexpr const char* kRoster =
    "username,password,user_id,name,email,extension\n"
    "ann,pw-ann,1001,\"Ann, A.\",ann@example.org,\n"
    "bob,pw-bob,1002,Bob,bob@example.org,\n"
    "cat,pw-cat,1003,Cat,cat@example.org,30m\n"
    "dan,pw-dan,1004,Dan,dan@example.org,\n"
    "eve,pw-eve,1005,Eve,eve@example.org,\n"
    "fay,pw-fay,=SUM(1;2),Fay,fay@example.org,\n"
    "gus,pw-gus,1007,Gus,gus@example.org,\n";

class GradeSheet : public ProcessTest {
  protected:
    void SetUp() override {
        ProcessTest::SetUp();
        roster_ = write_file("roster.csv", kRoster).string();
        ledger_ = (workspace() / "course.db").string();
        auto writer = ledger::LedgerWriter::open(ledger_);
        ASSERT_TRUE(writer.ok()) << writer.error();
        ledger::LedgerWriter& ledger = *writer.value();
        // ann failed once, then passed on time at full QoS.
        session(ledger, "1001", "s1", 5, SessionOutcome::kFailed,
                "wrong reply 'Banana' to CMD1 (expected 'Apple')");
        session(ledger, "1001", "s2", 10, SessionOutcome::kPassed);
        // bob passed 20 minutes late; cat as late, but with a 30-minute extension.
        session(ledger, "1002", "s3", 80, SessionOutcome::kPassed);
        session(ledger, "1003", "s4", 80, SessionOutcome::kPassed);
        // dan passed on time, answering three commands below their QoS.
        session(ledger, "1004", "s5", 15, SessionOutcome::kPassed, "", 3);
        // eve never passed, and mistyped her password twice.
        session(ledger, "1005", "s6", 20, SessionOutcome::kTimedOut,
                "no command or final message within the idle timeout");
        ledger.record(ledger::row::LoginRefused{"1005", "bad password", kEightUtc, 2});
        ledger.record(ledger::row::LoginRefused{"", "too many logins", kEightUtc, 40});
        session(ledger, "=SUM(1;2)", "s7", 30, SessionOutcome::kPassed);
        // Someone the roster does not know.
        session(ledger, "4242", "s8", 30, SessionOutcome::kPassed);
        const auto closed = ledger.close();
        ASSERT_TRUE(closed.ok()) << closed.error();
    }

    static void session(ledger::LedgerWriter& ledger, const std::string& user_id,
                        const std::string& session_id, int end_minute, SessionOutcome outcome,
                        const std::string& reason = "", std::uint32_t low_qos = 0) {
        const WallMicros end = kEightUtc + end_minute * kMinute;
        ledger.record(ledger::row::SessionIssued{user_id, session_id, end - 2 * kMinute});
        ledger.record(ledger::row::SessionIdSent{session_id, end - 2 * kMinute + 1000});
        ledger.record(
            ledger::row::SessionEnded{session_id, outcome, reason, 3, 3, low_qos, 0, 0, end});
    }

    // `cmdlink results` on the course's ledger and roster, in Berlin's zone; its process.
    CmdlinkProcess* results(const std::vector<std::string>& extra) {
        std::vector<std::string> arguments = {"results", "--ledger", ledger_,        "--roster",
                                              roster_,   "--tz",     "Europe/Berlin"};
        arguments.insert(arguments.end(), extra.begin(), extra.end());
        CmdlinkProcess* process = run_cmdlink("results", arguments);
        if (process != nullptr) {
            EXPECT_TRUE(process->wait_for_exit().has_value());
        }
        return process;
    }

    // The output of a run that must succeed.
    std::string output_of(const std::vector<std::string>& extra) {
        CmdlinkProcess* process = results(extra);
        if (process == nullptr) return {};
        EXPECT_EQ(process->wait_for_exit(), 0) << process->describe();
        return process->stdout_text();
    }

    static std::vector<std::string> lines(const std::string& text) {
        std::vector<std::string> found;
        std::istringstream stream(text);
        for (std::string line; std::getline(stream, line);) {
            if (!line.empty() && line.back() == '\r') line.pop_back();
            found.push_back(line);
        }
        return found;
    }

    std::string roster_;
    std::string ledger_;
};

TEST_F(GradeSheet, JsonGradesEveryRosterStudent) {
    const Json sheet = Json::parse(
        output_of({"--format", "json", "--deadline", "2026-11-24T10:00+01:00"}), nullptr, false);
    ASSERT_FALSE(sheet.is_discarded());
    ASSERT_EQ(sheet["students"].size(), 7U) << sheet.dump(2);
    std::map<std::string, Json> by_id;
    for (const Json& student : sheet["students"]) by_id[student["user_id"]] = student;

    const Json& ann = by_id["1001"];
    EXPECT_EQ(ann["best_outcome"], "passed");
    EXPECT_EQ(ann["attempts"], 2);
    EXPECT_EQ(ann["late"], false);
    EXPECT_EQ(ann["qos_respected"], true);
    EXPECT_EQ(ann["grade"], 1);
    EXPECT_EQ(ann["passed_at"], "2026-11-24T09:10:00+01:00");
    EXPECT_EQ(ann["due"], "2026-11-24T10:00:00+01:00");
    EXPECT_EQ(ann["last_failure"], "failed: wrong reply 'Banana' to CMD1 (expected 'Apple')");
    EXPECT_EQ(ann["roster"]["name"], "Ann, A.");
    EXPECT_FALSE(ann["roster"].contains("password"));

    EXPECT_EQ(by_id["1002"]["late"], true);
    EXPECT_EQ(by_id["1002"]["grade"], 0);
    EXPECT_EQ(by_id["1003"]["late"], false);
    EXPECT_EQ(by_id["1003"]["due"], "2026-11-24T10:30:00+01:00");
    EXPECT_EQ(by_id["1003"]["grade"], 1);
    EXPECT_EQ(by_id["1004"]["best_outcome"], "passed");
    EXPECT_EQ(by_id["1004"]["qos_respected"], false);
    EXPECT_EQ(by_id["1004"]["low_qos"], 3);
    EXPECT_EQ(by_id["1004"]["grade"], 0);
    EXPECT_EQ(by_id["1005"]["best_outcome"], "timed_out");
    EXPECT_EQ(by_id["1005"]["refused_logins"], 2);
    EXPECT_TRUE(by_id["1005"]["passed_at"].is_null());
    EXPECT_EQ(by_id["=SUM(1;2)"]["grade"], 1);
    EXPECT_EQ(by_id["1007"]["best_outcome"], "never_tried");
    EXPECT_EQ(by_id["1007"]["attempts"], 0);
    EXPECT_TRUE(by_id["1007"]["late"].is_null());
    EXPECT_EQ(sheet["not_on_roster"], Json::array({"4242"}));
    EXPECT_EQ(sheet["refused_logins_without_user_id"], 40);
}

TEST_F(GradeSheet, CsvIsSpreadsheetSafeWithEmptyCells) {
    const auto rows = lines(output_of({"--format", "csv", "--deadline", "2026-11-24T10:00"}));
    ASSERT_EQ(rows.size(), 8U);
    EXPECT_EQ(rows[0],
              "username,user_id,name,email,extension,best_outcome,passed_at,due,late,attempts,"
              "qos_respected,low_qos,surplus,refused_logins,grade,last_failure");
    EXPECT_EQ(rows[2],
              "bob,1002,Bob,bob@example.org,,passed,2026-11-24T10:20:00+01:00,"
              "2026-11-24T10:00:00+01:00,yes,1,yes,0,0,0,0,");
    EXPECT_EQ(rows[6],
              "fay,\"'=SUM(1;2)\",Fay,fay@example.org,,passed,2026-11-24T09:30:00+01:00,"
              "2026-11-24T10:00:00+01:00,no,1,yes,0,0,0,1,");
    EXPECT_EQ(rows[7],
              "gus,1007,Gus,gus@example.org,,never_tried,,2026-11-24T10:00:00+01:00,,0,,0,0,0,0,");
    for (const std::string& row : rows) {
        EXPECT_EQ(row.find(",-,"), std::string::npos) << row;
        EXPECT_EQ(row.find("pw-"), std::string::npos) << row;
    }
}

TEST_F(GradeSheet, TheTableShowsEveryStudentAndDashesForMissingValues) {
    const auto rows = lines(output_of({}));
    ASSERT_EQ(rows.size(), 8U);
    EXPECT_NE(rows[0].find("qos_respected"), std::string::npos) << rows[0];
    EXPECT_EQ(rows[0].find("late"), std::string::npos) << "no deadline, no late column";
    EXPECT_NE(rows[7].find("never_tried"), std::string::npos) << rows[7];
    EXPECT_NE(rows[7].find(" - "), std::string::npos) << rows[7];
}

TEST_F(GradeSheet, MoodleGetsOneGradeColumnKeyedAsAsked) {
    const auto by_email =
        lines(output_of({"--format", "moodle", "--key", "email", "--deadline", "2026-11-24T09:00Z",
                         "--assignment", "MQTT lab", "--points", "10"}));
    EXPECT_EQ(by_email, (std::vector<std::string>{"email,MQTT lab", "ann@example.org,10",
                                                  "bob@example.org,0", "cat@example.org,10",
                                                  "dan@example.org,0", "eve@example.org,0",
                                                  "fay@example.org,10", "gus@example.org,0"}));
    CmdlinkProcess* keyed_by_id = results({"--format", "moodle"});
    ASSERT_NE(keyed_by_id, nullptr);
    ASSERT_EQ(keyed_by_id->wait_for_exit(), 0) << keyed_by_id->describe();
    EXPECT_NE(keyed_by_id->stderr_text().find("warning: user_id '=SUM(1;2)' starts like a formula"),
              std::string::npos)
        << keyed_by_id->describe();
    const auto by_id = lines(keyed_by_id->stdout_text());
    ASSERT_EQ(by_id.size(), 8U);
    EXPECT_EQ(by_id[0], "user_id,cmdlink");
    EXPECT_EQ(by_id[6], "\"'=SUM(1;2)\",1");

    CmdlinkProcess* bad_key = results({"--format", "moodle", "--key", "password"});
    ASSERT_NE(bad_key, nullptr);
    EXPECT_EQ(bad_key->wait_for_exit(), 2) << bad_key->describe();
}

TEST_F(GradeSheet, CanvasIsKeyedBySisUserId) {
    const auto rows = lines(output_of({"--format", "canvas", "--deadline", "2026-11-24T10:00"}));
    ASSERT_EQ(rows.size(), 8U);
    EXPECT_EQ(rows[0], "Student,ID,SIS User ID,SIS Login ID,Section,cmdlink");
    EXPECT_EQ(rows[1], "\"Ann, A.\",,1001,,,1");
    EXPECT_EQ(rows[2], "Bob,,1002,,,0");
    EXPECT_EQ(rows[6], "Fay,,\"'=SUM(1;2)\",,,1");
}

TEST_F(GradeSheet, SinceTakesAnOffsetAndBadTimesAreRefusedWithTheForms) {
    const Json late_only = Json::parse(
        output_of({"--format", "json", "--since", "2026-11-24T09:10+01:00"}), nullptr, false);
    ASSERT_FALSE(late_only.is_discarded());
    std::map<std::string, std::string> outcome;
    for (const Json& student : late_only["students"])
        outcome[student["user_id"]] = student["best_outcome"];
    EXPECT_EQ(outcome["1001"], "never_tried");  // both logins before 09:10+01:00
    EXPECT_EQ(outcome["1002"], "passed");
    EXPECT_EQ(outcome["1005"], "timed_out");
    EXPECT_EQ(outcome["=SUM(1;2)"], "passed");

    for (const char* flag : {"--since", "--deadline"}) {
        CmdlinkProcess* bad = results({flag, "tomorrow 10:00"});
        ASSERT_NE(bad, nullptr);
        EXPECT_EQ(bad->wait_for_exit(), 2) << bad->describe();
        EXPECT_NE(bad->stderr_text().find("YYYY-MM-DDTHH:MM"), std::string::npos)
            << bad->describe();
        EXPECT_NE(bad->stderr_text().find("+01:00"), std::string::npos) << bad->describe();
    }
    CmdlinkProcess* bad_zone = results({"--tz", "Mars/Olympus_Mons"});
    ASSERT_NE(bad_zone, nullptr);
    EXPECT_EQ(bad_zone->wait_for_exit(), 2) << bad_zone->describe();
}

}  // namespace
}  // namespace cmdlink::integration
