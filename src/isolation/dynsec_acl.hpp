#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

namespace cmdlink::isolation {

// One allowing entry of a dynamic-security role's `acls`, as both the plugin's config file
// and the server's grants write it; the plugin keeps the keys in the order given.
inline nlohmann::ordered_json dynsec_allow(std::string_view acl_type, std::string_view topic) {
    return nlohmann::ordered_json{{"acltype", acl_type}, {"topic", topic}, {"allow", true}};
}

}  // namespace cmdlink::isolation
