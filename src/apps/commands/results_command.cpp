#include "apps/commands/results_command.hpp"

#include <algorithm>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include "apps/commands/exit_codes.hpp"
#include "apps/grading/grade_sheet.hpp"
#include "apps/output/grade_sheet_format.hpp"
#include "apps/output/results_format.hpp"
#include "apps/output/results_summary.hpp"
#include "core/text_checks.hpp"
#include "isolation/roster.hpp"
#include "ledger/ledger_queries.hpp"
#include "ledger/ledger_schema.hpp"
#include "ledger/zoned_time.hpp"
#include "os/text_file.hpp"

namespace cmdlink::apps {
namespace {

struct ResultsFlags {
    std::string ledger = "cmdlink.db";
    std::string format = "table";
    std::optional<std::string> user_id;
    std::optional<std::string> since;
    bool raw = false;
    std::optional<std::string> roster;
    std::optional<std::string> deadline;
    std::optional<std::string> time_zone;
    std::string key = "user_id";
    std::string assignment = "cmdlink";
    double points = 1;
};

int fail(const std::string& message) {
    std::cerr << "cmdlink results: " << message << "\n";
    return kExitUsage;
}

void print(const nlohmann::json& json) {
    // Words come from devices: never let a stray byte abort the report.
    std::cout << json.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
}

void print(const TextTable& table, const std::string& format) {
    std::cout << (format == "table" ? render_aligned(table) : render_csv(table));
}

// A key the import must match that spreadsheet safety changed cannot match the LMS's value.
void warn_about_neutralised_keys(const GradeSheet& sheet, const std::string& key_column) {
    const auto found =
        std::find(sheet.roster_columns.begin(), sheet.roster_columns.end(), key_column);
    if (found == sheet.roster_columns.end()) return;
    const auto key = static_cast<std::size_t>(found - sheet.roster_columns.begin());
    for (const GradeSheet::Row& row : sheet.rows) {
        if (spreadsheet_safe(row.roster[key]) != row.roster[key]) {
            std::cerr << "cmdlink results: warning: " << key_column << " '"
                      << core::printable(row.roster[key])
                      << "' starts like a formula and is written with a leading ' "
                         "(it will not match in the import; enter that grade by hand)\n";
        }
    }
}

int run_grade_sheet(const ResultsFlags& flags, ledger::SqliteDatabase& db,
                    const ledger::LedgerFilter& filter) {
    auto text = os::read_whole_file(*flags.roster, "the roster");
    if (!text) return fail(text.error());
    auto roster = isolation::parse_roster_table(text.value(), "user_id");
    if (!roster) return fail(*flags.roster + ":\n" + roster.error());
    GradeSheetRules rules;
    if (flags.deadline) {
        auto deadline = ledger::parse_time(*flags.deadline);
        if (!deadline) return fail("--deadline " + deadline.error());
        rules.deadline = deadline.value();
    }
    auto sessions = ledger::load_sessions(db, filter);
    if (!sessions) return fail("cannot read " + flags.ledger + ": " + sessions.error());
    auto refused = ledger::load_refused_logins(db, filter);
    if (!refused) return fail("cannot read " + flags.ledger + ": " + refused.error());
    auto sheet = build_grade_sheet(roster.value(), sessions.value(), refused.value(), rules);
    if (!sheet) return fail(*flags.roster + ":\n" + sheet.error());
    if (!sheet.value().not_on_roster.empty()) {
        std::cerr << "cmdlink results: " << sheet.value().not_on_roster.size()
                  << " user ID(s) in the ledger are not on the roster (not graded):";
        for (const std::string& user_id : sheet.value().not_on_roster) {
            std::cerr << " '" << core::printable(user_id) << "'";
        }
        std::cerr << "\n";
    }
    if (flags.format == "moodle" || flags.format == "canvas") {
        warn_about_neutralised_keys(sheet.value(),
                                    flags.format == "moodle" ? flags.key : "user_id");
    }
    if (flags.format == "json") {
        print(grade_json(sheet.value(), flags.points));
    } else if (flags.format == "moodle") {
        auto table = moodle_table(sheet.value(), flags.key, flags.assignment, flags.points);
        if (!table) return fail(table.error());
        print(table.value(), "csv");
    } else if (flags.format == "canvas") {
        print(canvas_table(sheet.value(), flags.assignment, flags.points), "csv");
    } else {
        print(grade_table(sheet.value(), flags.points), flags.format);
    }
    return std::cout.good() ? kExitOk : kExitFailed;
}

int run_results(const ResultsFlags& flags) {
    if (flags.time_zone) {
        if (auto used = ledger::use_time_zone(*flags.time_zone); !used) {
            return fail("--tz " + used.error());
        }
    }
    if (!flags.roster) {
        if (flags.format == "moodle" || flags.format == "canvas") {
            return fail("--format " + flags.format +
                        " needs --roster: a grade import lists "
                        "every student");
        }
        if (flags.deadline) return fail("--deadline needs --roster");
    } else if (flags.raw) {
        return fail("--raw lists replies, --roster grades students: use one of them");
    }
    ledger::LedgerFilter filter;
    filter.user_id = flags.user_id;
    if (flags.since) {
        auto since = ledger::parse_time(*flags.since);
        if (!since) return fail("--since " + since.error());
        filter.since = since.value();
    }
    auto db = ledger::open_ledger_for_reading(flags.ledger);
    if (!db) return fail(db.error());
    if (flags.roster) return run_grade_sheet(flags, db.value(), filter);
    auto replies = ledger::load_replies(db.value(), filter);
    if (!replies) return fail("cannot read " + flags.ledger + ": " + replies.error());
    nlohmann::json json;
    TextTable table;
    if (flags.raw) {
        json = replies_json(replies.value());
        table = reply_table(replies.value());
    } else {
        auto sessions = ledger::load_sessions(db.value(), filter);
        if (!sessions) return fail("cannot read " + flags.ledger + ": " + sessions.error());
        const auto users = summarize_users(sessions.value(), replies.value());
        json = summary_json(users, sessions.value());
        table = user_table(users);
    }
    if (flags.format == "json") {
        print(json);
    } else {
        print(table, flags.format);
    }
    return std::cout.good() ? kExitOk : kExitFailed;
}

}  // namespace

std::function<int()> add_results_command(CLI::App& app) {
    auto flags = std::make_shared<ResultsFlags>();
    CLI::App* command = app.add_subcommand(
        "results",
        "What the server's ledger says: per user, every reply (--raw), or a grade sheet of a "
        "roster's students (--roster)");
    command->footer(
        "Per user: best outcome (passed > failed > timed_out > abandoned > interrupted > "
        "in_flight), attempts, commands, replies, command-to-reply latency p50 and max.\n"
        "With --roster: one line per roster student, never-tried ones too (best outcome "
        "never_tried), with the roster's columns but the password; the graded pass (the "
        "earliest passed session that was on time and answered every command at its QoS, "
        "else the best other pass), its end time, late, qos_respected, low-QoS and surplus "
        "replies over all attempts, refused logins, the last failure's reason and a grade "
        "(--points for a pass on time at full QoS, else 0). A roster column `extension` "
        "(90 or 90m minutes, 2h hours, 1d days, empty for none) moves that student's "
        "deadline. Formats moodle and canvas write a grade import (docs/grading.md).\n"
        "Times are shown with their offset, in the local zone or --tz; --since and --deadline "
        "take " +
        std::string(ledger::kTimeForms) +
        ". CSV is spreadsheet-safe: empty cells for missing values, and a cell starting with "
        "= + - @ or a tab gets a leading apostrophe.\n"
        "Exit codes: 0 done, 2 bad usage, an unreadable ledger or roster.");
    command->add_option("--ledger", flags->ledger, "The server's ledger (opened read-only)")
        ->capture_default_str();
    command
        ->add_option("--format", flags->format, "Output format (moodle and canvas need --roster)")
        ->check(CLI::IsMember({"table", "csv", "json", "moodle", "canvas"}))
        ->capture_default_str();
    command->add_option("--user-id", flags->user_id, "Only this user's sessions");
    command->add_option("--since", flags->since,
                        "Only sessions that logged in at or after this time, e.g. 2026-11-24, "
                        "2026-11-24T08:00 (local zone or --tz), 2026-11-24T08:00+01:00 or "
                        "2026-11-24T07:00Z");
    command->add_flag("--raw", flags->raw,
                      "Every reply (time, user, session, command, word, QoS, verdict, latency) "
                      "instead of the per-user summary");
    command
        ->add_option("--roster", flags->roster,
                     "Grade sheet of this roster's students (CSV with a user_id column, "
                     "`,` or `;`, any other columns, e.g. the broker-config roster)")
        ->check(CLI::ExistingFile);
    command->add_option("--deadline", flags->deadline,
                        "Passes that ended after this time (plus the roster's `extension`) "
                        "are late; same forms as --since");
    command->add_option("--tz", flags->time_zone,
                        "Show and read times in this IANA zone (e.g. Europe/Berlin, UTC) "
                        "instead of the local one");
    command
        ->add_option("--key", flags->key,
                     "--format moodle: the roster column that identifies a student "
                     "(user_id for Moodle's ID number, or e.g. email)")
        ->capture_default_str();
    command
        ->add_option("--assignment", flags->assignment,
                     "--format moodle/canvas: the grade column's name")
        ->capture_default_str();
    command
        ->add_option("--points", flags->points,
                     "The grade for a pass on time at full QoS (anything else: 0)")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    return [flags, command]() -> int {
        if (!command->parsed()) return -1;
        return run_results(*flags);
    };
}

}  // namespace cmdlink::apps
