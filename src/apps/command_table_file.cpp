#include "apps/command_table_file.hpp"

#include <fstream>
#include <sstream>

namespace cmdlink::apps {

core::Result<core::CommandTable> load_command_table(const std::string& path) {
    if (path.empty()) return core::CommandTable::course_default();
    std::ifstream file(path, std::ios::binary);
    if (!file) return core::Error{"cannot read the command table " + path};
    std::ostringstream text;
    text << file.rdbuf();
    auto table = core::CommandTable::parse(text.str());
    if (!table) return core::Error{path + ": " + table.error()};
    return table;
}

}  // namespace cmdlink::apps
