#include "runner/session_grant.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace cmdlink::runner {
namespace {

using Json = nlohmann::json;

TEST(SessionGrant, ReplacesTheStudentsSessionRoleWithOneForTheNewSession) {
    const Json grant = Json::parse(session_grant_command("1001", "s-123"));
    const Json expected = Json::parse(R"({"commands": [
        {"command": "deleteRole", "rolename": "cmdlink-session-1001"},
        {"command": "createRole", "rolename": "cmdlink-session-1001", "acls": [
            {"acltype": "subscribeLiteral", "topic": "s-123", "allow": true},
            {"acltype": "publishClientReceive", "topic": "s-123", "allow": true},
            {"acltype": "publishClientSend", "topic": "s-123/+", "allow": true}]},
        {"command": "addGroupRole", "groupname": "cmdlink-user-1001",
         "rolename": "cmdlink-session-1001"}]})");
    EXPECT_EQ(grant, expected) << grant.dump(2);
}

}  // namespace
}  // namespace cmdlink::runner
