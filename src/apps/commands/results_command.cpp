#include "apps/commands/results_command.hpp"

#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include "apps/commands/exit_codes.hpp"
#include "apps/output/results_format.hpp"
#include "apps/output/results_summary.hpp"
#include "ledger/ledger_queries.hpp"
#include "ledger/ledger_schema.hpp"
#include "ledger/wall_time.hpp"

namespace cmdlink::apps {
namespace {

struct ResultsFlags {
    std::string ledger = "cmdlink.db";
    std::string format = "table";
    std::optional<std::string> user_id;
    std::optional<std::string> since;
    bool raw = false;
};

int fail(const std::string& message) {
    std::cerr << "cmdlink results: " << message << "\n";
    return kExitUsage;
}

int run_results(const ResultsFlags& flags) {
    ledger::LedgerFilter filter;
    filter.user_id = flags.user_id;
    if (flags.since) {
        filter.since = ledger::parse_utc(*flags.since);
        if (!filter.since) {
            return fail("--since '" + *flags.since +
                        "' is not a UTC date or time; use YYYY-MM-DD, YYYY-MM-DDTHH:MM or "
                        "YYYY-MM-DDTHH:MM:SS (optionally ending in Z)");
        }
    }
    auto db = ledger::open_ledger_for_reading(flags.ledger);
    if (!db) return fail(db.error());
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
        // Words come from devices: never let a stray byte abort the report.
        std::cout << json.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    } else if (flags.format == "csv") {
        std::cout << render_csv(table);
    } else {
        std::cout << render_aligned(table);
    }
    return std::cout.good() ? kExitOk : kExitFailed;
}

}  // namespace

std::function<int()> add_results_command(CLI::App& app) {
    auto flags = std::make_shared<ResultsFlags>();
    CLI::App* command = app.add_subcommand(
        "results", "What the server's ledger says: per user, or every reply (--raw)");
    command->footer(
        "Per user: best outcome (passed > failed > timed_out > abandoned > interrupted > "
        "in_flight), attempts, commands, replies, command-to-reply latency p50 and max. Times "
        "are UTC. Exit codes: 0 done, 2 bad usage or an unreadable ledger.");
    command->add_option("--ledger", flags->ledger, "The server's ledger (opened read-only)")
        ->capture_default_str();
    command->add_option("--format", flags->format, "Output format")
        ->check(CLI::IsMember({"table", "csv", "json"}))
        ->capture_default_str();
    command->add_option("--user-id", flags->user_id, "Only this user's sessions");
    command->add_option("--since", flags->since,
                        "Only sessions that logged in at or after this UTC time: YYYY-MM-DD, "
                        "YYYY-MM-DDTHH:MM or YYYY-MM-DDTHH:MM:SS, optionally ending in Z");
    command->add_flag("--raw", flags->raw,
                      "Every reply (time, user, session, command, word, QoS, verdict, latency) "
                      "instead of the per-user summary");
    return [flags, command]() -> int {
        if (!command->parsed()) return -1;
        return run_results(*flags);
    };
}

}  // namespace cmdlink::apps
