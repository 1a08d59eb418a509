#include "isolation/dynsec_config.hpp"

#include <nlohmann/json.hpp>

#include "core/protocol.hpp"
#include "isolation/dynsec_acl.hpp"
#include "isolation/dynsec_names.hpp"

namespace cmdlink::isolation {
namespace {

using Json = nlohmann::ordered_json;

constexpr std::string_view kServerRole = "cmdlink-server";

Json server_role() {
    Json acls = Json::array();
    // Logins and replies (`+/+` also brings back the server's own `<ID>/UUID` and
    // `<ID>/result` publishes).
    for (const std::string_view topic : {core::kLoginTopic, std::string_view("+/+")}) {
        acls.push_back(dynsec_allow("subscribeLiteral", topic));
        acls.push_back(dynsec_allow("publishClientReceive", topic));
    }
    // Session IDs to `<ID>/UUID`, commands and the end message to `<session ID>`.
    acls.push_back(dynsec_allow("publishClientSend", "+/UUID"));
    // The verdicts of `server --feedback`, to `<ID>/result`.
    acls.push_back(dynsec_allow("publishClientSend", "+/result"));
    acls.push_back(dynsec_allow("publishClientSend", "+"));
    // Granting each session's topics to its student.
    acls.push_back(dynsec_allow("publishClientSend", kDynsecControlTopic));
    acls.push_back(dynsec_allow("subscribeLiteral", kDynsecResponseTopic));
    acls.push_back(dynsec_allow("publishClientReceive", kDynsecResponseTopic));
    return Json{{"rolename", kServerRole}, {"acls", std::move(acls)}};
}

Json student_role(const RosterEntry& entry) {
    const std::string own_topic = core::session_id_topic(entry.user_id);
    // The verdict of `server --feedback`: their own, and nobody else's.
    const std::string own_result = core::result_topic(entry.user_id);
    Json acls = Json::array({dynsec_allow("publishClientSend", core::kLoginTopic),
                             dynsec_allow("subscribeLiteral", own_topic),
                             dynsec_allow("publishClientReceive", own_topic),
                             dynsec_allow("subscribeLiteral", own_result),
                             dynsec_allow("publishClientReceive", own_result)});
    return Json{{"rolename", user_role_name(entry.user_id)}, {"acls", std::move(acls)}};
}

}  // namespace

std::string render_dynsec_config(const std::vector<RosterEntry>& roster,
                                 std::string_view server_user) {
    Json clients = Json::array();
    Json groups = Json::array();
    Json roles = Json::array({server_role()});
    clients.push_back(
        Json{{"username", server_user}, {"roles", Json::array({{{"rolename", kServerRole}}})}});
    for (const RosterEntry& entry : roster) {
        // A group per user ID lets the server, which knows only the ID from the login, give
        // the student a session role without knowing the user name.
        const std::string group = user_group_name(entry.user_id);
        clients.push_back(Json{{"username", entry.username},
                               {"textname", "user ID " + entry.user_id},
                               {"roles", Json::array()}});
        groups.push_back(
            Json{{"groupname", group},
                 {"roles", Json::array({{{"rolename", user_role_name(entry.user_id)}}})},
                 {"clients", Json::array({{{"username", entry.username}}})}});
        roles.push_back(student_role(entry));
    }
    const Json config{
        // Unsubscribing is harmless; everything else needs a grant.
        {"defaultACLAccess",
         {{"publishClientSend", false},
          {"publishClientReceive", false},
          {"subscribe", false},
          {"unsubscribe", true}}},
        {"clients", std::move(clients)},
        {"groups", std::move(groups)},
        {"roles", std::move(roles)},
    };
    return config.dump(2) + "\n";
}

}  // namespace cmdlink::isolation
