// The dynamic security plugin's answers to the server's session grants (a JSON text read from
// the broker): any bytes give a list of answers without throwing, failures are never lost
// between grant_answers() and grant_failures(), and a grant the plugin accepts whole reads as
// granted to the right session.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/text_checks.hpp"
#include "fuzz_support.hpp"
#include "isolation/dynsec_names.hpp"
#include "isolation/session_grant.hpp"

namespace {

using cmdlink::fuzz::require;
using Json = nlohmann::json;

void check_any_response(std::string_view response) {
    namespace isolation = cmdlink::isolation;
    const auto answers = isolation::grant_answers(response);
    const auto failures = isolation::grant_failures(response);
    std::vector<std::string> flattened;
    for (const auto& answer : answers) {
        for (const auto& failure : answer.failures) {
            require(!failure.empty(), "an empty failure message");
            flattened.push_back(failure);
        }
    }
    require(flattened == failures, "grant_failures() and grant_answers() disagree");
    const Json parsed = Json::parse(response, nullptr, /*allow_exceptions=*/false);
    if (parsed.is_discarded()) {
        require(answers.size() == 1 && answers[0].failures.size() == 1,
                "a response that is not JSON is not one failure");
    }
}

// Splits the input into a user ID and a session ID; both must be valid for a grant.
void check_grant(std::string_view text) {
    namespace core = cmdlink::core;
    namespace isolation = cmdlink::isolation;
    const std::size_t split = text.find('\n');
    if (split == std::string_view::npos) return;
    const std::string_view user_id = text.substr(0, split);
    const std::string_view session_id = text.substr(split + 1);
    if (core::check_user_id(user_id) || core::check_session_id(session_id)) return;

    const std::string command = isolation::session_grant_command(user_id, session_id);
    const Json grant = Json::parse(command, nullptr, /*allow_exceptions=*/false);
    require(grant.is_object() && grant.contains("commands") && grant["commands"].is_array(),
            "a grant that is not a command list");
    Json responses = Json::array();
    for (const Json& one : grant["commands"]) {
        require(one.value("correlationData", std::string()) == session_id,
                "a grant command that does not name its session");
        const std::string name = one.value("command", std::string());
        const std::string role = one.value("rolename", std::string());
        require(role == isolation::session_role_name(user_id), "a grant of another role");
        if (name == "createRole") {
            for (const Json& acl : one["acls"]) {
                const std::string topic = acl.value("topic", std::string());
                require(topic == session_id || topic == std::string(session_id) + "/+",
                        "a grant of a topic outside the session");
            }
        }
        Json answer = {{"command", name}, {"correlationData", session_id}};
        if (name == "deleteRole") answer["error"] = "Role not found";
        responses.push_back(answer);
    }
    const auto answers = isolation::grant_answers(Json{{"responses", responses}}.dump());
    require(
        answers.size() == 1 && answers[0].session_id == session_id && answers[0].failures.empty(),
        "a grant the plugin accepted reads as refused");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text = cmdlink::fuzz::as_text(data, size);
    check_any_response(text);
    check_grant(text);
    return 0;
}
