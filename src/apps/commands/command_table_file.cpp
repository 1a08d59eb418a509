#include "apps/commands/command_table_file.hpp"

#include "os/text_file.hpp"

namespace cmdlink::apps {

core::Result<core::CommandTable> load_command_table(const std::string& path) {
    if (path.empty()) return core::CommandTable::course_default();
    auto text = os::read_whole_file(path, "the command table");
    if (!text) return core::Error{text.error()};
    auto table = core::CommandTable::parse(text.value());
    if (!table) return core::Error{path + ": " + table.error()};
    return table;
}

}  // namespace cmdlink::apps
