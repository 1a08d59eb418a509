#include "apps/output/grade_sheet_format.hpp"

#include <algorithm>
#include <cstdio>
#include <optional>

#include "ledger/zoned_time.hpp"

namespace cmdlink::apps {
namespace {

std::string number(double value) {
    char text[32];
    std::snprintf(text, sizeof text, "%g", value);
    return text;
}

std::string grade_of(const StudentGrade& grade, double points) {
    return number(grade.full_marks ? points : 0.0);
}

std::string time_cell(const std::optional<ledger::WallMicros>& at) {
    return at ? ledger::format_local(*at) : std::string();
}

std::string yes_no(const std::optional<bool>& value) {
    if (!value) return {};
    return *value ? "yes" : "no";
}

nlohmann::json json_time(const std::optional<ledger::WallMicros>& at) {
    return at ? nlohmann::json(ledger::format_local(*at)) : nlohmann::json(nullptr);
}

nlohmann::json json_bool(const std::optional<bool>& value) {
    return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}

// The value of the roster column `name` for `row`, or empty when the roster has none.
std::string roster_value(const GradeSheet& sheet, const GradeSheet::Row& row,
                         std::string_view name) {
    const auto found = std::find(sheet.roster_columns.begin(), sheet.roster_columns.end(), name);
    if (found == sheet.roster_columns.end()) return {};
    return row.roster[static_cast<std::size_t>(found - sheet.roster_columns.begin())];
}

bool has_deadline(const GradeSheet& sheet) {
    return std::any_of(sheet.rows.begin(), sheet.rows.end(),
                       [](const GradeSheet::Row& row) { return row.due.has_value(); });
}

}  // namespace

TextTable grade_table(const GradeSheet& sheet, double points) {
    const bool deadline = has_deadline(sheet);
    TextTable table{sheet.roster_columns, {}};
    table.header.insert(table.header.end(), {"best_outcome", "passed_at"});
    if (deadline) table.header.insert(table.header.end(), {"due", "late"});
    table.header.insert(table.header.end(), {"attempts", "qos_respected", "low_qos", "surplus",
                                             "refused_logins", "grade", "last_failure"});
    for (const GradeSheet::Row& row : sheet.rows) {
        const StudentGrade& grade = row.grade;
        std::vector<std::string> cells = row.roster;
        cells.insert(cells.end(), {grade.best_outcome, time_cell(grade.passed_at)});
        if (deadline) cells.insert(cells.end(), {time_cell(row.due), yes_no(grade.late)});
        cells.insert(cells.end(), {std::to_string(grade.attempts), yes_no(grade.qos_respected),
                                   std::to_string(grade.low_qos), std::to_string(grade.surplus),
                                   std::to_string(grade.refused_logins), grade_of(grade, points),
                                   grade.last_failure});
        table.rows.push_back(std::move(cells));
    }
    return table;
}

nlohmann::json grade_json(const GradeSheet& sheet, double points) {
    nlohmann::json json = {{"students", nlohmann::json::array()},
                           {"not_on_roster", sheet.not_on_roster},
                           {"refused_logins_without_user_id", sheet.refusals_without_user_id}};
    for (const GradeSheet::Row& row : sheet.rows) {
        const StudentGrade& grade = row.grade;
        nlohmann::json roster = nlohmann::json::object();
        for (std::size_t i = 0; i < sheet.roster_columns.size(); ++i) {
            roster[sheet.roster_columns[i]] = row.roster[i];
        }
        json["students"].push_back(
            {{"user_id", row.user_id},
             {"roster", roster},
             {"best_outcome", grade.best_outcome},
             {"passed_at", json_time(grade.passed_at)},
             {"due", json_time(row.due)},
             {"late", json_bool(grade.late)},
             {"attempts", grade.attempts},
             {"qos_respected", json_bool(grade.qos_respected)},
             {"low_qos", grade.low_qos},
             {"surplus", grade.surplus},
             {"refused_logins", grade.refused_logins},
             {"grade", grade.full_marks ? points : 0.0},
             {"last_failure", grade.last_failure.empty() ? nlohmann::json(nullptr)
                                                         : nlohmann::json(grade.last_failure)}});
    }
    return json;
}

core::Result<TextTable> moodle_table(const GradeSheet& sheet, const std::string& key_column,
                                     const std::string& assignment, double points) {
    const auto found =
        std::find(sheet.roster_columns.begin(), sheet.roster_columns.end(), key_column);
    if (found == sheet.roster_columns.end()) {
        return core::Error{"--key " + key_column + ": the roster has no such column"};
    }
    const auto key = static_cast<std::size_t>(found - sheet.roster_columns.begin());
    TextTable table{{key_column, assignment}, {}};
    for (const GradeSheet::Row& row : sheet.rows) {
        table.rows.push_back({row.roster[key], grade_of(row.grade, points)});
    }
    return table;
}

TextTable canvas_table(const GradeSheet& sheet, const std::string& assignment, double points) {
    TextTable table{{"Student", "ID", "SIS User ID", "SIS Login ID", "Section", assignment}, {}};
    for (const GradeSheet::Row& row : sheet.rows) {
        table.rows.push_back({roster_value(sheet, row, "name"), "", row.user_id,
                              roster_value(sheet, row, "sis_login_id"),
                              roster_value(sheet, row, "section"), grade_of(row.grade, points)});
    }
    return table;
}

}  // namespace cmdlink::apps
