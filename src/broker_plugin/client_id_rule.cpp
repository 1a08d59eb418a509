#include "broker_plugin/client_id_rule.hpp"

namespace cmdlink::broker_plugin {
namespace {

bool is_account(const AccountMap& map, std::string_view name) {
    return name == map.server_user || map.user_id_of.contains(std::string(name));
}

}  // namespace

std::optional<std::string> client_id_owner(const AccountMap& map, std::string_view client_id) {
    if (auto found = map.owner_of_default_id.find(std::string(client_id));
        found != map.owner_of_default_id.end()) {
        return found->second;
    }
    const std::string_view name = client_id.substr(0, client_id.find(':'));
    if (is_account(map, name)) return std::string(name);
    return std::nullopt;
}

std::optional<std::string> client_id_refusal(const AccountMap& map,
                                             const std::optional<std::string_view>& username,
                                             std::string_view client_id, OtherAccounts others) {
    if (!username) return "a client without a user name";
    const auto owner = client_id_owner(map, client_id);
    if (owner) {
        if (*owner == *username) return std::nullopt;
        return "the client ID belongs to the account '" + *owner + "'";
    }
    if (*username == map.server_user) return std::nullopt;
    if (auto found = map.user_id_of.find(std::string(*username)); found != map.user_id_of.end()) {
        return "a student's client ID is " + default_client_id(found->second) +
               ", its user name, or its user name, ':' and anything";
    }
    if (others == OtherAccounts::kTrust) return std::nullopt;
    return "the account is neither the server's nor a student's (plugin_opt_other_accounts "
           "refuse)";
}

}  // namespace cmdlink::broker_plugin
