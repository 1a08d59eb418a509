#include "isolation/session_grant.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace cmdlink::isolation {
namespace {

using Json = nlohmann::json;

TEST(SessionGrant, ReplacesTheStudentsSessionRoleWithOneForTheNewSession) {
    const Json grant = Json::parse(session_grant_command("1001", "s-123"));
    const Json expected = Json::parse(R"({"commands": [
        {"command": "deleteRole", "rolename": "cmdlink-session-1001", "correlationData": "s-123"},
        {"command": "createRole", "rolename": "cmdlink-session-1001", "acls": [
            {"acltype": "subscribeLiteral", "topic": "s-123", "allow": true},
            {"acltype": "publishClientReceive", "topic": "s-123", "allow": true},
            {"acltype": "publishClientSend", "topic": "s-123/+", "allow": true}],
         "correlationData": "s-123"},
        {"command": "addGroupRole", "groupname": "cmdlink-user-1001",
         "rolename": "cmdlink-session-1001", "correlationData": "s-123"}]})");
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

// Found by fuzz/session_grant_fuzzer: json::value() threw on a command that is not text,
// which would have ended the server.
TEST(SessionGrant, AnAnswerWhoseFieldsAreNotTextIsAFailureNotAnException) {
    const auto failures = grant_failures(R"({"responses": [
        {"command": 7, "error": "Role not found"},
        {"command": ["createRole"], "error": {"code": 3}}]})");
    ASSERT_EQ(failures.size(), 2U);
    EXPECT_EQ(failures[0], "session grant refused: 7: Role not found");
    EXPECT_EQ(failures[1], R"(session grant refused: ["createRole"]: {"code":3})");
}

TEST(SessionGrant, AnswersAreToldApartByTheSessionTheyGrant) {
    const auto answers = grant_answers(R"({"responses": [
        {"command": "deleteRole", "error": "Role not found", "correlationData": "s-1"},
        {"command": "createRole", "correlationData": "s-1"},
        {"command": "addGroupRole", "correlationData": "s-1"},
        {"command": "createRole", "error": "Role already exists", "correlationData": "s-2"}]})");
    ASSERT_EQ(answers.size(), 2U);
    EXPECT_EQ(answers[0].session_id, "s-1");
    EXPECT_TRUE(answers[0].failures.empty());
    EXPECT_EQ(answers[1].session_id, "s-2");
    ASSERT_EQ(answers[1].failures.size(), 1U);
    EXPECT_EQ(answers[1].failures[0], "session grant refused: createRole: Role already exists");
}

}  // namespace
}  // namespace cmdlink::isolation
