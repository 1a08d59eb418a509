#include "broker/dynsec_config.hpp"

#include <nlohmann/json.hpp>

#include "core/protocol.hpp"
#include "core/session_access.hpp"

namespace cmdlink::broker {
namespace {

using Json = nlohmann::ordered_json;

constexpr std::string_view kServerRole = "cmdlink-server";

Json acl(std::string_view type, std::string_view topic) {
    return Json{{"acltype", type}, {"topic", topic}, {"allow", true}};
}

Json server_role() {
    const std::string response = std::string(kDynsecControlTopic) + "/response";
    Json acls = Json::array();
    // Logins and replies (`+/+` also brings back the server's own `<ID>/UUID` publishes).
    for (const std::string_view topic : {core::kLoginTopic, std::string_view("+/+")}) {
        acls.push_back(acl("subscribeLiteral", topic));
        acls.push_back(acl("publishClientReceive", topic));
    }
    // Session IDs to `<ID>/UUID`, commands and the end message to `<session ID>`.
    acls.push_back(acl("publishClientSend", "+/UUID"));
    acls.push_back(acl("publishClientSend", "+"));
    // Granting each session's topics to its student.
    acls.push_back(acl("publishClientSend", kDynsecControlTopic));
    acls.push_back(acl("subscribeLiteral", response));
    acls.push_back(acl("publishClientReceive", response));
    return Json{{"rolename", kServerRole}, {"acls", std::move(acls)}};
}

Json student_role(const RosterEntry& entry) {
    const std::string own_topic = core::session_id_topic(entry.user_id);
    Json acls =
        Json::array({acl("publishClientSend", core::kLoginTopic),
                     acl("subscribeLiteral", own_topic), acl("publishClientReceive", own_topic)});
    return Json{{"rolename", core::user_role_name(entry.user_id)}, {"acls", std::move(acls)}};
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
        const std::string group = core::user_group_name(entry.user_id);
        clients.push_back(Json{{"username", entry.username},
                               {"textname", "user ID " + entry.user_id},
                               {"roles", Json::array()}});
        groups.push_back(
            Json{{"groupname", group},
                 {"roles", Json::array({{{"rolename", core::user_role_name(entry.user_id)}}})},
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

}  // namespace cmdlink::broker
