#include "core/session_pool_text.hpp"

namespace cmdlink::core {

std::string render_session_pool(const std::vector<PooledSessionId>& entries) {
    std::string text(kSessionPoolHeader);
    text += '\n';
    for (const PooledSessionId& entry : entries) {
        text += entry.user_id;
        text += ',';
        text += entry.session_id;
        text += '\n';
    }
    return text;
}

Result<std::vector<PooledSessionId>> parse_session_pool(std::string_view text) {
    std::vector<PooledSessionId> entries;
    std::string errors;
    bool header_seen = false;
    std::size_t number = 0;
    std::size_t begin = 0;
    while (begin < text.size()) {
        const std::size_t newline = text.find('\n', begin);
        const std::size_t end = newline == std::string_view::npos ? text.size() : newline;
        std::string_view line = text.substr(begin, end - begin);
        begin = end + 1;
        ++number;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.empty()) continue;
        if (!header_seen) {
            header_seen = true;
            if (line != kSessionPoolHeader) {
                errors += "line " + std::to_string(number) + ": the first line must be `" +
                          std::string(kSessionPoolHeader) + "`\n";
            }
            continue;
        }
        const std::size_t comma = line.rfind(',');
        if (comma == std::string_view::npos) {
            errors += "line " + std::to_string(number) + ": expected user_id,session_id\n";
            continue;
        }
        entries.push_back(
            {std::string(line.substr(0, comma)), std::string(line.substr(comma + 1))});
    }
    if (!header_seen) {
        return Error{"the session pool is empty: it needs the header `" +
                     std::string(kSessionPoolHeader) + "`"};
    }
    if (!errors.empty()) {
        errors.pop_back();
        return Error{errors};
    }
    return entries;
}

}  // namespace cmdlink::core
