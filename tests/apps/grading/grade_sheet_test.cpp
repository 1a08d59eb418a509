#include "apps/grading/grade_sheet.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace cmdlink::apps {
namespace {

constexpr ledger::WallMicros kMinute = 60'000'000;
constexpr ledger::WallMicros kDeadline = 1000 * kMinute;

ledger::SessionRecord session(const std::string& user_id, const std::string& outcome,
                              ledger::WallMicros ended, std::int64_t low_qos = 0,
                              const std::string& reason = "") {
    ledger::SessionRecord record;
    record.session_id = user_id + "-" + std::to_string(ended);
    record.user_id = user_id;
    record.login = ended - kMinute;
    if (!outcome.empty()) record.ended = ended;
    record.outcome = outcome;
    record.reason = reason;
    record.low_qos = low_qos;
    return record;
}

isolation::RosterTable roster(const std::string& text) {
    auto table = isolation::parse_roster_table(text, "user_id");
    EXPECT_TRUE(table.ok()) << table.error();
    return table.ok() ? table.value() : isolation::RosterTable{};
}

TEST(OutcomeRank, PassedBeatsEveryFailureAndNeverTriedIsLast) {
    EXPECT_LT(outcome_rank("passed"), outcome_rank("failed"));
    EXPECT_LT(outcome_rank("failed"), outcome_rank("timed_out"));
    EXPECT_LT(outcome_rank("interrupted"), outcome_rank("in_flight"));
    EXPECT_LT(outcome_rank("in_flight"), outcome_rank("never_tried"));
}

TEST(Extension, ReadsMinutesHoursAndDays) {
    EXPECT_EQ(parse_extension("").value(), 0);
    EXPECT_EQ(parse_extension("90").value(), 90 * kMinute);
    EXPECT_EQ(parse_extension("90m").value(), 90 * kMinute);
    EXPECT_EQ(parse_extension("2h").value(), 120 * kMinute);
    EXPECT_EQ(parse_extension("1d").value(), kMinute * 24 * 60);
    for (const char* bad : {"-5", "1.5h", "h", "2 h", "10w", "999999999d"}) {
        const auto parsed = parse_extension(bad);
        ASSERT_FALSE(parsed.ok()) << bad;
        EXPECT_NE(parsed.error().find("2h"), std::string::npos) << parsed.error();
    }
}

TEST(GradeStudent, ANeverTriedStudentHasNoPassAndNoMarks) {
    const StudentGrade grade = grade_student({}, 0, kDeadline);
    EXPECT_EQ(grade.best_outcome, "never_tried");
    EXPECT_EQ(grade.attempts, 0U);
    EXPECT_FALSE(grade.passed_at.has_value());
    EXPECT_FALSE(grade.late.has_value());
    EXPECT_FALSE(grade.qos_respected.has_value());
    EXPECT_FALSE(grade.full_marks);
}

TEST(GradeStudent, APassOnTimeAtFullQosGetsFullMarks) {
    const StudentGrade grade =
        grade_student({session("7", "failed", 10 * kMinute, 0, "wrong reply 'x' to CMD1"),
                       session("7", "passed", 20 * kMinute)},
                      3, kDeadline);
    EXPECT_EQ(grade.best_outcome, "passed");
    EXPECT_EQ(grade.attempts, 2U);
    EXPECT_EQ(grade.passed_at, 20 * kMinute);
    EXPECT_EQ(grade.late, false);
    EXPECT_EQ(grade.qos_respected, true);
    EXPECT_EQ(grade.last_failure, "failed: wrong reply 'x' to CMD1");
    EXPECT_EQ(grade.refused_logins, 3U);
    EXPECT_TRUE(grade.full_marks);
}

TEST(GradeStudent, APassOnlyAfterTheDeadlineIsLate) {
    const StudentGrade grade =
        grade_student({session("7", "passed", kDeadline + kMinute)}, 0, kDeadline);
    EXPECT_EQ(grade.late, true);
    EXPECT_FALSE(grade.full_marks);
    EXPECT_EQ(grade_student({session("7", "passed", kDeadline)}, 0, kDeadline).late, false);
    EXPECT_FALSE(
        grade_student({session("7", "passed", kDeadline)}, 0, std::nullopt).late.has_value());
}

TEST(GradeStudent, LowQosRepliesMeanQosWasNotRespected) {
    const StudentGrade grade = grade_student({session("7", "passed", kMinute, 4)}, 0, kDeadline);
    EXPECT_EQ(grade.best_outcome, "passed");
    EXPECT_EQ(grade.qos_respected, false);
    EXPECT_EQ(grade.low_qos, 4);
    EXPECT_FALSE(grade.full_marks);
}

TEST(GradeStudent, TheGradedPassIsTheEarliestOnTimeAtFullQos) {
    const StudentGrade grade =
        grade_student({session("7", "passed", 5 * kMinute, 2), session("7", "passed", 8 * kMinute),
                       session("7", "passed", 6 * kMinute)},
                      0, kDeadline);
    EXPECT_EQ(grade.passed_at, 6 * kMinute);
    EXPECT_TRUE(grade.full_marks);
    EXPECT_EQ(grade.low_qos, 2);  // over every attempt
}

TEST(GradeStudent, AnOnTimePassBelowQosIsPreferredToALateCleanOne) {
    const StudentGrade grade = grade_student(
        {session("7", "passed", kDeadline + kMinute), session("7", "passed", kMinute, 1)}, 0,
        kDeadline);
    EXPECT_EQ(grade.passed_at, kMinute);
    EXPECT_EQ(grade.late, false);
    EXPECT_EQ(grade.qos_respected, false);
    EXPECT_FALSE(grade.full_marks);
}

TEST(GradeStudent, TheLastFailureIsTheLatestAttemptThatDidNotPass) {
    const StudentGrade grade = grade_student(
        {session("7", "timed_out", 9 * kMinute, 0, "no reply within 30 s"),
         session("7", "failed", 3 * kMinute, 0, "wrong reply"), session("7", "", 12 * kMinute)},
        0, std::nullopt);
    EXPECT_EQ(grade.best_outcome, "failed");
    EXPECT_EQ(grade.attempts, 3U);
    EXPECT_EQ(grade.last_failure, "timed_out: no reply within 30 s");
}

TEST(GradeSheet, ListsEveryRosterStudentInRosterOrderWithoutThePassword) {
    const auto table = roster(
        "username,password,user_id,name\nbob,pw,1002,Bob\nann,pw,1001,Ann\neve,pw,1003,Eve\n");
    const std::vector<ledger::RefusedLogins> refused = {
        {"", 40, "rate"}, {"1003", 2, "bad password"}, {"9999", 1, "unknown"}};
    auto sheet = build_grade_sheet(
        table, {session("1001", "passed", kMinute), session("4242", "failed", kMinute)}, refused,
        {});
    ASSERT_TRUE(sheet.ok()) << sheet.error();
    EXPECT_EQ(sheet.value().roster_columns,
              (std::vector<std::string>{"username", "user_id", "name"}));
    ASSERT_EQ(sheet.value().rows.size(), 3U);
    EXPECT_EQ(sheet.value().rows[0].user_id, "1002");
    EXPECT_EQ(sheet.value().rows[0].roster, (std::vector<std::string>{"bob", "1002", "Bob"}));
    EXPECT_EQ(sheet.value().rows[0].grade.best_outcome, "never_tried");
    EXPECT_EQ(sheet.value().rows[1].grade.best_outcome, "passed");
    EXPECT_EQ(sheet.value().rows[2].grade.refused_logins, 2U);
    EXPECT_EQ(sheet.value().not_on_roster, (std::vector<std::string>{"4242", "9999"}));
    EXPECT_EQ(sheet.value().refusals_without_user_id, 40U);
}

TEST(GradeSheet, AnExtensionMovesOneStudentsDeadline) {
    const auto table = roster("user_id,extension\n1001,\n1002,30m\n");
    GradeSheetRules rules;
    rules.deadline = kDeadline;
    auto sheet = build_grade_sheet(table,
                                   {session("1001", "passed", kDeadline + 10 * kMinute),
                                    session("1002", "passed", kDeadline + 10 * kMinute)},
                                   {}, rules);
    ASSERT_TRUE(sheet.ok()) << sheet.error();
    EXPECT_EQ(sheet.value().rows[0].due, kDeadline);
    EXPECT_EQ(sheet.value().rows[0].grade.late, true);
    EXPECT_EQ(sheet.value().rows[1].due, kDeadline + 30 * kMinute);
    EXPECT_EQ(sheet.value().rows[1].grade.late, false);
}

TEST(GradeSheet, ABadExtensionIsReportedByRosterLine) {
    const auto table = roster("user_id,extension\n1001,soon\n");
    GradeSheetRules rules;
    rules.deadline = kDeadline;
    auto sheet = build_grade_sheet(table, {}, {}, rules);
    ASSERT_FALSE(sheet.ok());
    EXPECT_NE(sheet.error().find("roster line 2: extension 'soon'"), std::string::npos)
        << sheet.error();
}

}  // namespace
}  // namespace cmdlink::apps
