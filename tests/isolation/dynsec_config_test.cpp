#include "isolation/dynsec_config.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <utility>

#include "isolation/dynsec_names.hpp"

namespace cmdlink::isolation {
namespace {

using Json = nlohmann::json;
using Grant = std::pair<std::string, std::string>;  // ACL type, topic

std::set<Grant> grants_of(const Json& config, const std::string& role) {
    std::set<Grant> grants;
    for (const Json& entry : config.at("roles")) {
        if (entry.at("rolename") != role) continue;
        for (const Json& acl : entry.at("acls")) {
            EXPECT_TRUE(acl.at("allow").get<bool>()) << acl.dump();
            grants.emplace(acl.at("acltype"), acl.at("topic"));
        }
    }
    return grants;
}

Json render() {
    const std::vector<RosterEntry> roster = {
        {.username = "alice", .password = "pa", .hashed = false, .user_id = "1001", .line = 2},
        {.username = "bob", .password = "pb", .hashed = false, .user_id = "1002", .line = 3}};
    return Json::parse(render_dynsec_config(roster, "cmdlink-server"));
}

TEST(DynsecConfig, DeniesEverythingByDefault) {
    const Json config = render();
    const Json& defaults = config.at("defaultACLAccess");
    EXPECT_FALSE(defaults.at("publishClientSend").get<bool>());
    EXPECT_FALSE(defaults.at("publishClientReceive").get<bool>());
    EXPECT_FALSE(defaults.at("subscribe").get<bool>());
}

TEST(DynsecConfig, AStudentMayOnlyLogInAndReadItsOwnSessionIdAndResultTopics) {
    const Json config = render();
    EXPECT_EQ(grants_of(config, "cmdlink-user-1001"),
              (std::set<Grant>{{"publishClientSend", "login"},
                               {"subscribeLiteral", "1001/UUID"},
                               {"publishClientReceive", "1001/UUID"},
                               {"subscribeLiteral", "1001/result"},
                               {"publishClientReceive", "1001/result"}}));
}

TEST(DynsecConfig, EachStudentIsInTheGroupOfItsUserId) {
    const Json config = render();
    bool found = false;
    for (const Json& group : config.at("groups")) {
        if (group.at("groupname") != "cmdlink-user-1002") continue;
        found = true;
        EXPECT_EQ(group.at("clients"), Json::parse(R"([{"username": "bob"}])"));
        EXPECT_EQ(group.at("roles"), Json::parse(R"([{"rolename": "cmdlink-user-1002"}])"));
    }
    EXPECT_TRUE(found) << config.dump(2);
}

TEST(DynsecConfig, TheServerReadsLoginsAndRepliesAndMayGrantSessions) {
    const Json config = render();
    const auto grants = grants_of(config, "cmdlink-server");
    for (const Grant& needed :
         std::set<Grant>{{"subscribeLiteral", "login"},
                         {"subscribeLiteral", "+/+"},
                         {"publishClientSend", "+/UUID"},
                         {"publishClientSend", "+/result"},
                         {"publishClientSend", "+"},
                         {"publishClientSend", std::string(kDynsecControlTopic)}}) {
        EXPECT_EQ(grants.count(needed), 1U) << needed.first << " " << needed.second;
    }
}

TEST(DynsecConfig, HoldsNoPasswords) {
    const std::string text = render().dump();
    EXPECT_EQ(text.find("password"), std::string::npos) << text;
    EXPECT_EQ(text.find("\"pa\""), std::string::npos) << text;
}

}  // namespace
}  // namespace cmdlink::isolation
