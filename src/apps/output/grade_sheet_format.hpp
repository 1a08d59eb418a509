#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "apps/grading/grade_sheet.hpp"
#include "apps/output/results_format.hpp"

namespace cmdlink::apps {

// `results --roster`: the roster's columns (but the password), then the grading columns;
// times in the local zone with their offset, a missing value as an empty cell.
TextTable grade_table(const GradeSheet& sheet, double points);

// {"students": [...], "not_on_roster": [...], "refused_logins_without_user_id": N}; a
// missing value is null.
nlohmann::json grade_json(const GradeSheet& sheet, double points);

// Moodle's CSV grade import (docs/grading.md): the key column (`user_id` for Moodle's ID
// number, or e.g. `email`) and one grade column named `assignment`.
core::Result<TextTable> moodle_table(const GradeSheet& sheet, const std::string& key_column,
                                     const std::string& assignment, double points);

// Canvas's gradebook import (docs/grading.md): Student, ID, SIS User ID (the user ID),
// SIS Login ID, Section, then the assignment's column; the optional columns are taken from
// the roster's `name`, `sis_login_id` and `section` when it has them.
TextTable canvas_table(const GradeSheet& sheet, const std::string& assignment, double points);

}  // namespace cmdlink::apps
