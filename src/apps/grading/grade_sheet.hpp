#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "isolation/roster.hpp"
#include "ledger/ledger_queries.hpp"

namespace cmdlink::apps {

// What `results --roster` grades by; pure, so every rule has a unit test (docs/grading.md).

// Best first: passed, failed, timed_out, abandoned, interrupted, in_flight, never_tried.
std::size_t outcome_rank(std::string_view outcome);

// A roster's per-student extension of the deadline: `90` or `90m` minutes, `2h` hours, `1d`
// days; empty for none. In microseconds, or why the text is none of these.
core::Result<std::int64_t> parse_extension(std::string_view text);

// One student's line of the grade sheet.
struct StudentGrade {
    std::string best_outcome = "never_tried";
    std::uint64_t attempts = 0;
    // The graded pass: of the passed sessions, the earliest that was on time and answered
    // every command at its QoS; else the earliest on time; else the earliest at full QoS;
    // else the earliest. Its end time, whether it was late, whether it respected QoS.
    std::optional<ledger::WallMicros> passed_at;
    std::optional<bool> late;           // only with a deadline and a pass
    std::optional<bool> qos_respected;  // only with a pass
    std::int64_t low_qos = 0;           // over all attempts
    std::int64_t surplus = 0;           // over all attempts (QoS 1 may redeliver: not a fault)
    std::string last_failure;           // `outcome: reason` of the latest attempt not passed
    std::uint64_t refused_logins = 0;
    bool full_marks = false;  // the graded pass was on time and respected QoS
};

// `sessions` are one student's, in any order; `due` is their deadline with extension.
StudentGrade grade_student(const std::vector<ledger::SessionRecord>& sessions,
                           std::uint64_t refused_logins, std::optional<ledger::WallMicros> due);

struct GradeSheetRules {
    std::optional<ledger::WallMicros> deadline;
    std::string extension_column = "extension";
};

struct GradeSheet {
    // The roster's columns as shown: all but `password` (never printed).
    std::vector<std::string> roster_columns;
    struct Row {
        std::string user_id;
        std::vector<std::string> roster;  // one per roster_columns
        std::optional<ledger::WallMicros> due;
        StudentGrade grade;
    };
    std::vector<Row> rows;  // roster order
    // In the ledger but not on the roster: a typo in the roster, or someone else's login.
    std::vector<std::string> not_on_roster;
    // Refused logins tallied without a user ID (a second's flood of them).
    std::uint64_t refusals_without_user_id = 0;
};

// One row per roster student, never-tried ones included. The roster must have `user_id`;
// a bad extension is reported by its roster line.
core::Result<GradeSheet> build_grade_sheet(const isolation::RosterTable& roster,
                                           const std::vector<ledger::SessionRecord>& sessions,
                                           const std::vector<ledger::RefusedLogins>& refused,
                                           const GradeSheetRules& rules);

}  // namespace cmdlink::apps
