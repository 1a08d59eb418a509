#include "json_event_schema.hpp"

#include <fstream>
#include <sstream>

namespace cmdlink::integration {
namespace {

std::string trim(const std::string& text) {
    const auto first = text.find_first_not_of(" \t");
    if (first == std::string::npos) return {};
    const auto last = text.find_last_not_of(" \t");
    return text.substr(first, last - first + 1);
}

std::vector<std::string> table_cells(const std::string& line) {
    std::vector<std::string> cells;
    std::string cell;
    for (std::size_t index = 1; index < line.size(); ++index) {
        if (line[index] == '|') {
            cells.push_back(trim(cell));
            cell.clear();
        } else {
            cell += line[index];
        }
    }
    return cells;
}

std::string unquote(const std::string& text) {
    if (text.size() >= 2 && text.front() == '`' && text.back() == '`') {
        return text.substr(1, text.size() - 2);
    }
    return text;
}

std::string type_name(const nlohmann::json& value) {
    if (value.is_null()) return "null";
    if (value.is_boolean()) return "boolean";
    if (value.is_number_integer()) return "integer";
    if (value.is_number()) return "number";
    if (value.is_string()) return "string";
    if (value.is_array()) return "array";
    return "object";
}

}  // namespace

std::optional<JsonEventSchema> JsonEventSchema::read(const std::filesystem::path& document,
                                                     std::string& error) {
    std::ifstream in(document);
    if (!in) {
        error = "cannot read " + document.string();
        return std::nullopt;
    }
    JsonEventSchema schema;
    Fields* current = nullptr;
    std::vector<std::pair<std::string, std::string>> sections;  // the heading's (event, role)s
    std::string line;
    int number = 0;
    while (std::getline(in, line)) {
        ++number;
        if (line.rfind("## ", 0) == 0) {
            current = line.find("every event") != std::string::npos ? &schema.common_ : nullptr;
            sections.clear();
            continue;
        }
        if (line.rfind("### `", 0) == 0) {
            const auto close = line.find('`', 5);
            const auto open_roles = line.find('(', close);
            const auto close_roles = line.find(')', open_roles);
            if (close == std::string::npos || open_roles == std::string::npos ||
                close_roles == std::string::npos) {
                error = document.string() + ":" + std::to_string(number) +
                        ": an event heading is \"### `name` (role, role)\"";
                return std::nullopt;
            }
            const std::string name = line.substr(5, close - 5);
            std::stringstream roles(line.substr(open_roles + 1, close_roles - open_roles - 1));
            std::string role;
            sections.clear();
            while (std::getline(roles, role, ',')) sections.emplace_back(name, trim(role));
            for (const auto& key : sections) schema.fields_[key];
            current = nullptr;
            continue;
        }
        if (line.rfind("| `", 0) != 0) continue;
        const auto cells = table_cells(line);
        if (cells.size() < 2) continue;
        Field field;
        std::string types = cells[1];
        if (const auto mark = types.find("(optional)"); mark != std::string::npos) {
            field.optional = true;
            types = trim(types.substr(0, mark));
        }
        std::stringstream alternatives(types);
        std::string word;
        while (alternatives >> word) {
            if (word == "or") continue;
            field.types.insert(word);
            if (word == "number") field.types.insert("integer");
        }
        const std::string name = unquote(cells[0]);
        if (current == &schema.common_) {
            schema.common_[name] = field;
        } else {
            for (const auto& key : sections) schema.fields_[key][name] = field;
        }
    }
    if (schema.common_.empty() || schema.fields_.empty()) {
        error = document.string() + " has no field tables";
        return std::nullopt;
    }
    return schema;
}

std::vector<std::string> JsonEventSchema::check(const nlohmann::json& event) const {
    std::vector<std::string> problems;
    if (!event.is_object()) return {"not a JSON object"};
    const std::string name = event.value("event", "");
    const std::string role = event.value("role", "");
    const auto described = fields_.find({name, role});
    if (described == fields_.end()) {
        return {"event '" + name + "' of role '" + role + "' is not in docs/json-events.md"};
    }
    const auto check_field = [&](const std::string& field_name, const Field& field) {
        const auto value = event.find(field_name);
        if (value == event.end()) {
            if (!field.optional) problems.push_back("field '" + field_name + "' is missing");
            return;
        }
        if (field.types.count(type_name(*value)) == 0) {
            problems.push_back("field '" + field_name + "' is " + type_name(*value) +
                               ", not what docs/json-events.md says");
        }
    };
    for (const auto& [field_name, field] : common_) check_field(field_name, field);
    for (const auto& [field_name, field] : described->second) check_field(field_name, field);
    for (const auto& [field_name, value] : event.items()) {
        if (common_.count(field_name) == 0 && described->second.count(field_name) == 0) {
            problems.push_back("field '" + field_name + "' is not in docs/json-events.md");
        }
    }
    return problems;
}

std::vector<std::string> check_json_event(const nlohmann::json& event) {
    static std::string error;
    static const std::optional<JsonEventSchema> schema = JsonEventSchema::read(
        std::filesystem::path(CMDLINK_SOURCE_DIR) / "docs/json-events.md", error);
    if (!schema) return {error};
    return schema->check(event);
}

}  // namespace cmdlink::integration
