#include "apps/grading/grade_sheet.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <map>
#include <set>
#include <tuple>

#include "core/text_checks.hpp"

namespace cmdlink::apps {
namespace {

constexpr std::array<std::string_view, 7> kOutcomeRank = {
    "passed", "failed", "timed_out", "abandoned", "interrupted", "in_flight", "never_tried"};

constexpr std::int64_t kMicrosPerMinute = 60'000'000;
// A year: more is a typo, and the bound keeps the arithmetic far from overflow.
constexpr std::int64_t kMaxExtensionMinutes = std::int64_t{366} * 24 * 60;

std::string shown(const ledger::SessionRecord& session) {
    return session.outcome.empty() ? "in_flight" : session.outcome;
}

}  // namespace

std::size_t outcome_rank(std::string_view outcome) {
    const auto* found = std::find(kOutcomeRank.begin(), kOutcomeRank.end(), outcome);
    return static_cast<std::size_t>(found - kOutcomeRank.begin());
}

core::Result<std::int64_t> parse_extension(std::string_view text) {
    if (text.empty()) return std::int64_t{0};
    std::int64_t minutes_per_unit = 1;
    std::string_view number = text;
    if (text.back() == 'm') {
        number.remove_suffix(1);
    } else if (text.back() == 'h') {
        minutes_per_unit = 60;
        number.remove_suffix(1);
    } else if (text.back() == 'd') {
        minutes_per_unit = std::int64_t{24} * 60;
        number.remove_suffix(1);
    }
    std::int64_t count = 0;
    const auto [end, error] = std::from_chars(number.data(), number.data() + number.size(), count);
    if (number.empty() || error != std::errc{} || end != number.data() + number.size() ||
        count < 0 || count > kMaxExtensionMinutes / minutes_per_unit) {
        return core::Error{"extension '" + core::printable(text) +
                           "' is not a count of minutes (90 or 90m), hours (2h) or days (1d)"};
    }
    return count * minutes_per_unit * kMicrosPerMinute;
}

StudentGrade grade_student(const std::vector<ledger::SessionRecord>& sessions,
                           std::uint64_t refused_logins, std::optional<ledger::WallMicros> due) {
    StudentGrade grade;
    grade.refused_logins = refused_logins;
    // (rank of the pass, end time): lower is better.
    std::optional<std::tuple<int, ledger::WallMicros, bool, bool>> graded;
    std::optional<ledger::WallMicros> last_failure_login;
    for (const ledger::SessionRecord& session : sessions) {
        ++grade.attempts;
        grade.low_qos += session.low_qos;
        grade.surplus += session.surplus;
        const std::string outcome = shown(session);
        if (outcome_rank(outcome) < outcome_rank(grade.best_outcome)) grade.best_outcome = outcome;
        if (outcome == "passed") {
            const ledger::WallMicros ended = session.ended.value_or(session.login);
            const bool on_time = !due || ended <= *due;
            const bool clean = session.low_qos == 0;
            const int rank = (on_time ? 0 : 2) + (clean ? 0 : 1);
            if (!graded ||
                std::tie(rank, ended) < std::tie(std::get<0>(*graded), std::get<1>(*graded))) {
                graded = std::make_tuple(rank, ended, on_time, clean);
            }
        } else if (outcome != "in_flight" &&
                   (!last_failure_login || session.login >= *last_failure_login)) {
            last_failure_login = session.login;
            grade.last_failure = session.reason.empty() ? outcome : outcome + ": " + session.reason;
        }
    }
    if (graded) {
        const auto& [rank, ended, on_time, clean] = *graded;
        grade.passed_at = ended;
        grade.qos_respected = clean;
        if (due) grade.late = !on_time;
        grade.full_marks = rank == 0;
    }
    return grade;
}

core::Result<GradeSheet> build_grade_sheet(const isolation::RosterTable& roster,
                                           const std::vector<ledger::SessionRecord>& sessions,
                                           const std::vector<ledger::RefusedLogins>& refused,
                                           const GradeSheetRules& rules) {
    const auto user_id_column = roster.column("user_id");
    if (!user_id_column) return core::Error{"the roster has no column `user_id`"};
    const auto extension_column = roster.column(rules.extension_column);
    const auto password_column = roster.column("password");

    std::map<std::string, std::vector<ledger::SessionRecord>> sessions_of;
    for (const ledger::SessionRecord& session : sessions) {
        sessions_of[session.user_id].push_back(session);
    }
    std::map<std::string, std::uint64_t> refused_of;
    GradeSheet sheet;
    for (const ledger::RefusedLogins& tally : refused) {
        if (tally.user_id.empty()) {
            sheet.refusals_without_user_id += tally.count;
        } else {
            refused_of[tally.user_id] += tally.count;
        }
    }
    std::vector<std::size_t> shown_columns;
    for (std::size_t i = 0; i < roster.columns.size(); ++i) {
        if (password_column && i == *password_column) continue;
        shown_columns.push_back(i);
        sheet.roster_columns.push_back(roster.columns[i]);
    }

    std::string errors;
    std::set<std::string> on_roster;
    for (const isolation::RosterTable::Row& student : roster.rows) {
        GradeSheet::Row row;
        row.user_id = student.fields[*user_id_column];
        on_roster.insert(row.user_id);
        for (const std::size_t i : shown_columns) row.roster.push_back(student.fields[i]);
        if (rules.deadline) {
            std::int64_t extension = 0;
            if (extension_column) {
                auto parsed = parse_extension(student.fields[*extension_column]);
                if (!parsed) {
                    errors += "roster line " + std::to_string(student.line) + ": " +
                              parsed.error() + "\n";
                    continue;
                }
                extension = parsed.value();
            }
            row.due = *rules.deadline + extension;
        }
        const auto found = refused_of.find(row.user_id);
        row.grade = grade_student(sessions_of[row.user_id],
                                  found == refused_of.end() ? 0 : found->second, row.due);
        sheet.rows.push_back(std::move(row));
    }
    if (!errors.empty()) {
        errors.pop_back();
        return core::Error{errors};
    }
    std::set<std::string> strangers;
    for (const auto& [user_id, ignored] : sessions_of) {
        if (!on_roster.contains(user_id)) strangers.insert(user_id);
    }
    for (const auto& [user_id, ignored] : refused_of) {
        if (!on_roster.contains(user_id)) strangers.insert(user_id);
    }
    sheet.not_on_roster.assign(strangers.begin(), strangers.end());
    return sheet;
}

}  // namespace cmdlink::apps
