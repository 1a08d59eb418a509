#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "broker_plugin/account_map.hpp"

namespace cmdlink::broker_plugin {

// Accounts that are neither the server's nor a student's (the roster setup makes none; one
// added to the password file by hand, e.g. an observer).
enum class OtherAccounts {
    kRefuse,  // cannot connect at all
    kTrust,   // treated like the server's account: any client ID that no account owns
};

// The account a client ID belongs to, if any: `cmdlink-<user ID>` is that student's; an
// account's user name, or anything starting with `<user name>:`, is that account's. The
// account map guarantees these never name two accounts (user names hold no ':', and no
// default ID is another account's name).
std::optional<std::string> client_id_owner(const AccountMap& map, std::string_view client_id);

// Why the account (nullopt: anonymous) may not connect with this client ID, or nullopt when
// it may. A student may use only IDs it owns, so it can never take over another student's or
// the server's connection; the server may also use any ID nobody owns (its default
// `cmdlink-server`, the `--client-id`s of a `--shared-group`).
std::optional<std::string> client_id_refusal(const AccountMap& map,
                                             const std::optional<std::string_view>& username,
                                             std::string_view client_id, OtherAccounts others);

}  // namespace cmdlink::broker_plugin
