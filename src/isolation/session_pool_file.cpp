#include "isolation/session_pool_file.hpp"

#include "core/text_lines.hpp"
#include "os/text_file.hpp"

namespace cmdlink::isolation {

using core::PooledSessionId;

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

core::Result<std::vector<PooledSessionId>> parse_session_pool(std::string_view text) {
    std::vector<PooledSessionId> entries;
    std::string errors;
    bool header_seen = false;
    core::LineReader lines(text);
    while (const auto line = lines.next()) {
        if (line->text.empty()) continue;
        if (!header_seen) {
            header_seen = true;
            if (line->text != kSessionPoolHeader) {
                errors += "line " + std::to_string(line->number) + ": the first line must be `" +
                          std::string(kSessionPoolHeader) + "`\n";
            }
            continue;
        }
        const std::size_t comma = line->text.rfind(',');
        if (comma == std::string_view::npos) {
            errors += "line " + std::to_string(line->number) + ": expected user_id,session_id\n";
            continue;
        }
        entries.push_back(
            {std::string(line->text.substr(0, comma)), std::string(line->text.substr(comma + 1))});
    }
    if (!header_seen) {
        return core::Error{"the session pool is empty: it needs the header `" +
                           std::string(kSessionPoolHeader) + "`"};
    }
    if (!errors.empty()) {
        errors.pop_back();
        return core::Error{errors};
    }
    return entries;
}

core::Result<core::SessionPool> read_session_pool(const std::filesystem::path& path) {
    auto text = os::read_whole_file(path, "the session pool");
    if (!text) return core::Error{text.error()};
    auto entries = parse_session_pool(text.value());
    if (!entries) return core::Error{path.string() + ":\n" + entries.error()};
    auto pool = core::SessionPool::create(entries.value());
    if (!pool) return core::Error{path.string() + ": " + pool.error()};
    return pool;
}

}  // namespace cmdlink::isolation
