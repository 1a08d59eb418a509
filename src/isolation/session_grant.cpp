#include "isolation/session_grant.hpp"

#include <nlohmann/json.hpp>

#include "isolation/dynsec_acl.hpp"
#include "isolation/dynsec_names.hpp"

namespace cmdlink::isolation {

namespace {

std::string as_text(const nlohmann::json& value) {
    return value.is_string() ? value.get<std::string>() : value.dump();
}

}  // namespace

std::string session_grant_command(std::string_view user_id, std::string_view session_id) {
    using Json = nlohmann::ordered_json;
    const std::string role = session_role_name(user_id);
    const std::string replies = std::string(session_id) + "/+";
    // Deleting a missing role only earns a "Role not found" response; createRole on an
    // existing one would fail, hence delete first. addGroupRole fails for a user ID that is
    // not in the roster, so nobody gets the role then.
    // The plugin echoes correlationData in each answer, which tells whose grant it was.
    const Json commands = Json::array({
        Json{{"command", "deleteRole"}, {"rolename", role}, {"correlationData", session_id}},
        Json{{"command", "createRole"},
             {"rolename", role},
             {"acls", Json::array({dynsec_allow("subscribeLiteral", session_id),
                                   dynsec_allow("publishClientReceive", session_id),
                                   dynsec_allow("publishClientSend", replies)})},
             {"correlationData", session_id}},
        Json{{"command", "addGroupRole"},
             {"groupname", user_group_name(user_id)},
             {"rolename", role},
             {"correlationData", session_id}},
    });
    return Json{{"commands", commands}}.dump();
}

std::vector<std::string> grant_failures(std::string_view response) {
    std::vector<std::string> failures;
    for (GrantAnswer& answer : grant_answers(response)) {
        for (std::string& failure : answer.failures) failures.push_back(std::move(failure));
    }
    return failures;
}

std::vector<GrantAnswer> grant_answers(std::string_view response) {
    using Json = nlohmann::json;
    const Json parsed = Json::parse(response, nullptr, /*allow_exceptions=*/false);
    if (!parsed.is_object() || !parsed.contains("responses") || !parsed["responses"].is_array()) {
        return {{"", {"the dynamic security plugin's response is not the JSON it should be"}}};
    }
    std::vector<GrantAnswer> answers;
    for (const Json& answer : parsed["responses"]) {
        if (!answer.is_object()) continue;
        const std::string session_id =
            answer.contains("correlationData") && answer["correlationData"].is_string()
                ? answer["correlationData"].get<std::string>()
                : std::string();
        if (answers.empty() || answers.back().session_id != session_id) {
            answers.push_back({session_id, {}});
        }
        if (!answer.contains("error")) continue;
        // json::value() throws when the field has another type, and an exception here would
        // end the server: any field that is not text is shown as the JSON it is.
        const std::string command = answer.contains("command") ? as_text(answer["command"]) : "?";
        const std::string error = as_text(answer["error"]);
        if (command == "deleteRole" && error == "Role not found") continue;
        std::string failure = "session grant refused: ";
        failure += command;
        failure += ": ";
        failure += error;
        answers.back().failures.push_back(std::move(failure));
    }
    return answers;
}

}  // namespace cmdlink::isolation
