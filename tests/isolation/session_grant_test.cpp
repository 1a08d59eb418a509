#include "isolation/session_grant.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace cmdlink::isolation {
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

TEST(SessionGrant, ReportsFailedCommandsButNotAMissingPreviousRole) {
    const auto failures = grant_failures(R"({"responses": [
        {"command": "deleteRole", "error": "Role not found"},
        {"command": "createRole"},
        {"command": "addGroupRole", "error": "Group not found"}]})");
    ASSERT_EQ(failures.size(), 1U);
    EXPECT_EQ(failures[0], "session grant refused: addGroupRole: Group not found");
}

TEST(SessionGrant, AnUnreadableResponseIsAFailure) {
    EXPECT_EQ(grant_failures("not json").size(), 1U);
    EXPECT_EQ(grant_failures(R"({"responses": 3})").size(), 1U);
    EXPECT_TRUE(grant_failures(R"({"responses": []})").empty());
}

}  // namespace
}  // namespace cmdlink::isolation
