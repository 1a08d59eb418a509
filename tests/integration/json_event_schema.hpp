#pragma once

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace cmdlink::integration {

// The --json event schema as docs/json-events.md writes it: the document is the schema, so
// the two cannot drift. Its tables give each field a type ("string", "integer", "number",
// "boolean", "object", "array", optionally "or null") and say "(optional)" for a field that
// may be absent; a "### `event` (role, role)" heading opens the fields of one event.
class JsonEventSchema {
  public:
    // The schema read from `document`, or nullopt with `error` set.
    static std::optional<JsonEventSchema> read(const std::filesystem::path& document,
                                               std::string& error);

    // What is wrong with `event` (empty when nothing is): an event or role the document does
    // not describe, a field it does not list, a listed field missing or of another type.
    [[nodiscard]] std::vector<std::string> check(const nlohmann::json& event) const;
    [[nodiscard]] std::size_t event_count() const { return fields_.size(); }

  private:
    struct Field {
        std::set<std::string> types;  // json type names, "null" among them when it may be null
        bool optional = false;
    };
    using Fields = std::map<std::string, Field>;

    Fields common_;
    std::map<std::pair<std::string, std::string>, Fields> fields_;  // (event, role) -> fields
};

// The schema of the source tree's docs/json-events.md, read once; a failure to read it fails
// every check with the reason.
std::vector<std::string> check_json_event(const nlohmann::json& event);

}  // namespace cmdlink::integration
