#include "apps/output/results_format.hpp"

#include <algorithm>
#include <cstdio>
#include <optional>

#include "ledger/zoned_time.hpp"

namespace cmdlink::apps {
namespace {

const std::string kEmptyCell = "-";

std::string milliseconds(const std::optional<std::int64_t>& micros) {
    if (!micros) return {};
    char text[32];
    std::snprintf(text, sizeof text, "%.3f", static_cast<double>(*micros) / 1000.0);
    return text;
}

nlohmann::json optional_number(const std::optional<std::int64_t>& value) {
    return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}

nlohmann::json optional_time(const std::optional<ledger::WallMicros>& at) {
    return at ? nlohmann::json(ledger::format_local(*at)) : nlohmann::json(nullptr);
}

std::string csv_field(const std::string& field) {
    std::string safe = spreadsheet_safe(field);
    if (safe.find_first_of(",;\"\r\n") == std::string::npos) return safe;
    std::string quoted = "\"";
    for (const char c : safe) {
        if (c == '"') quoted += '"';
        quoted += c;
    }
    return quoted + "\"";
}

}  // namespace

std::string spreadsheet_safe(const std::string& cell) {
    // OWASP's CSV injection advice: a spreadsheet evaluates a cell starting with one of these
    // as a formula; after a leading apostrophe it is text. NUL is in OWASP ASVS 1.2.10's list.
    constexpr std::string_view kFormulaStarts{"=+-@\t\r\n\0", 8};
    if (cell.empty() || kFormulaStarts.find(cell.front()) == std::string_view::npos) return cell;
    return "'" + cell;
}

TextTable user_table(const std::vector<UserSummary>& users) {
    TextTable table{{"user_id", "best_outcome", "attempts", "passed", "commands", "replies",
                     "latency_p50_ms", "latency_max_ms"},
                    {}};
    for (const UserSummary& user : users) {
        table.rows.push_back({user.user_id, user.best_outcome, std::to_string(user.attempts),
                              std::to_string(user.passed), std::to_string(user.commands),
                              std::to_string(user.replies), milliseconds(user.latency_p50_us),
                              milliseconds(user.latency_max_us)});
    }
    return table;
}

TextTable reply_table(const std::vector<ledger::ReplyRecord>& replies) {
    TextTable table{
        {"arrived", "user_id", "session_id", "command", "word", "qos", "verdict", "latency_ms"},
        {}};
    for (const ledger::ReplyRecord& reply : replies) {
        table.rows.push_back({ledger::format_local(reply.arrived), reply.user_id, reply.session_id,
                              reply.command, reply.word, std::to_string(reply.qos), reply.verdict,
                              milliseconds(reply.latency_us)});
    }
    return table;
}

std::string render_aligned(const TextTable& table) {
    std::vector<std::size_t> widths;
    for (const auto& cell : table.header) widths.push_back(cell.size());
    for (const auto& row : table.rows) {
        for (std::size_t i = 0; i < row.size(); ++i) {
            widths[i] = std::max(widths[i], std::max<std::size_t>(row[i].size(), 1));
        }
    }
    std::string text;
    const auto line = [&](const std::vector<std::string>& cells) {
        for (std::size_t i = 0; i < cells.size(); ++i) {
            // A terminal reader needs to see that a cell is empty on purpose.
            const std::string& cell = cells[i].empty() ? kEmptyCell : cells[i];
            text += cell;
            if (i + 1 < cells.size()) text += std::string(widths[i] - cell.size() + 2, ' ');
        }
        text += '\n';
    };
    line(table.header);
    for (const auto& row : table.rows) line(row);
    return text;
}

std::string render_csv(const TextTable& table) {
    std::string text;
    const auto line = [&](const std::vector<std::string>& cells) {
        for (std::size_t i = 0; i < cells.size(); ++i) {
            if (i > 0) text += ',';
            text += csv_field(cells[i]);
        }
        text += "\r\n";
    };
    line(table.header);
    for (const auto& row : table.rows) line(row);
    return text;
}

nlohmann::json summary_json(const std::vector<UserSummary>& users,
                            const std::vector<ledger::SessionRecord>& sessions) {
    nlohmann::json json = {{"users", nlohmann::json::array()},
                           {"sessions", nlohmann::json::array()}};
    for (const UserSummary& user : users) {
        json["users"].push_back({{"user_id", user.user_id},
                                 {"best_outcome", user.best_outcome},
                                 {"attempts", user.attempts},
                                 {"passed", user.passed},
                                 {"commands", user.commands},
                                 {"replies", user.replies},
                                 {"latency_p50_us", optional_number(user.latency_p50_us)},
                                 {"latency_max_us", optional_number(user.latency_max_us)}});
    }
    for (const ledger::SessionRecord& session : sessions) {
        json["sessions"].push_back({{"session_id", session.session_id},
                                    {"user_id", session.user_id},
                                    {"outcome", shown_outcome(session)},
                                    {"reason", session.reason},
                                    {"commands", session.commands_sent},
                                    {"login", ledger::format_local(session.login)},
                                    {"id_sent", optional_time(session.id_sent)},
                                    {"first_command", optional_time(session.first_command)},
                                    {"ended", optional_time(session.ended)}});
    }
    return json;
}

nlohmann::json replies_json(const std::vector<ledger::ReplyRecord>& replies) {
    nlohmann::json json = {{"replies", nlohmann::json::array()}};
    for (const ledger::ReplyRecord& reply : replies) {
        json["replies"].push_back({{"arrived", ledger::format_local(reply.arrived)},
                                   {"user_id", reply.user_id},
                                   {"session_id", reply.session_id},
                                   {"command", reply.command},
                                   {"word", reply.word},
                                   {"qos", reply.qos},
                                   {"verdict", reply.verdict},
                                   {"latency_us", optional_number(reply.latency_us)}});
    }
    return json;
}

}  // namespace cmdlink::apps
