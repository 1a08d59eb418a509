#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "apps/output/results_summary.hpp"
#include "ledger/ledger_queries.hpp"

namespace cmdlink::apps {

struct TextTable {
    std::vector<std::string> header;
    std::vector<std::vector<std::string>> rows;
};

TextTable user_table(const std::vector<UserSummary>& users);
TextTable reply_table(const std::vector<ledger::ReplyRecord>& replies);

// Columns padded to their widest cell, for a terminal; an empty cell shows as `-`.
std::string render_aligned(const TextTable& table);
// RFC 4180 (fields with a comma, semicolon, quote or line break are quoted, quotes doubled),
// every field spreadsheet_safe; an empty cell stays empty. Lines end in CRLF.
std::string render_csv(const TextTable& table);
// A cell a spreadsheet shows as text: one starting with = + - @, a tab, CR, LF or NUL gets a
// leading apostrophe (OWASP CSV injection advice), so `=SUM(1;2)` stays a string.
std::string spreadsheet_safe(const std::string& cell);

// {"users": [...], "sessions": [...]}, times as ISO-8601 with the local zone's offset,
// latencies in microseconds.
nlohmann::json summary_json(const std::vector<UserSummary>& users,
                            const std::vector<ledger::SessionRecord>& sessions);
// {"replies": [...]}: every reply, one object each, for grading.
nlohmann::json replies_json(const std::vector<ledger::ReplyRecord>& replies);

}  // namespace cmdlink::apps
