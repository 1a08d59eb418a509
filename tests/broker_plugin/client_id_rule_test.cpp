#include "broker_plugin/client_id_rule.hpp"

#include <gtest/gtest.h>

#include <string>

namespace cmdlink::broker_plugin {
namespace {

AccountMap two_students() {
    auto map =
        parse_account_map("server\tcmdlink-server\nstudent\talice\t1001\nstudent\tbob\t1002\n");
    EXPECT_TRUE(map.ok()) << map.error();
    return map.ok() ? map.value() : AccountMap{};
}

bool may_use(const AccountMap& map, std::optional<std::string_view> username,
             std::string_view client_id, OtherAccounts others = OtherAccounts::kRefuse) {
    return !client_id_refusal(map, username, client_id, others).has_value();
}

TEST(ClientIdRule, AStudentMayUseItsDefaultIdItsNameAndItsNamePrefix) {
    const AccountMap map = two_students();
    EXPECT_TRUE(may_use(map, "alice", "cmdlink-1001"));
    EXPECT_TRUE(may_use(map, "alice", "alice"));
    EXPECT_TRUE(may_use(map, "alice", "alice:"));
    EXPECT_TRUE(may_use(map, "alice", "alice:mosquitto_sub:2"));
}

TEST(ClientIdRule, AStudentCannotTakeAnotherStudentsOrTheServersId) {
    const AccountMap map = two_students();
    for (const std::string_view id :
         {"cmdlink-1002", "bob", "bob:x", "cmdlink-server", "cmdlink-server:member-1"}) {
        const auto refusal = client_id_refusal(map, "alice", id, OtherAccounts::kTrust);
        ASSERT_TRUE(refusal.has_value()) << id;
        EXPECT_NE(refusal->find("belongs to the account"), std::string::npos) << *refusal;
    }
}

TEST(ClientIdRule, AStudentCannotUseAnIdNobodyOwns) {
    const AccountMap map = two_students();
    for (const std::string_view id : {"", "raw-1001", "cmdlink-1001x", "alice-1", "mosq-abc",
                                      "cmdlink-demo-server", "xalice:1"}) {
        const auto refusal = client_id_refusal(map, "alice", id, OtherAccounts::kTrust);
        ASSERT_TRUE(refusal.has_value()) << id;
        EXPECT_NE(refusal->find("cmdlink-1001"), std::string::npos) << *refusal;
    }
}

TEST(ClientIdRule, TheServerUsesItsOwnIdsAndAnyNobodyOwnsButNoStudents) {
    const AccountMap map = two_students();
    for (const std::string_view id : {"cmdlink-server", "cmdlink-server:2", "cmdlink-demo-server",
                                      "server-a", "cmdlink-bench-server-42"}) {
        EXPECT_TRUE(may_use(map, "cmdlink-server", id)) << id;
    }
    for (const std::string_view id : {"cmdlink-1001", "alice", "bob:1"}) {
        EXPECT_FALSE(may_use(map, "cmdlink-server", id)) << id;
    }
}

TEST(ClientIdRule, OtherAccountsAreRefusedOrTrustedAsConfigured) {
    const AccountMap map = two_students();
    EXPECT_FALSE(may_use(map, "observer", "observer-1", OtherAccounts::kRefuse));
    EXPECT_TRUE(may_use(map, "observer", "observer-1", OtherAccounts::kTrust));
    EXPECT_FALSE(may_use(map, "observer", "cmdlink-1001", OtherAccounts::kTrust));
    EXPECT_FALSE(may_use(map, "observer", "cmdlink-server", OtherAccounts::kTrust));
    EXPECT_FALSE(may_use(map, std::nullopt, "anything", OtherAccounts::kTrust));
}

TEST(ClientIdRule, OwnersAreFoundByDefaultIdThenNameThenPrefix) {
    const AccountMap map = two_students();
    EXPECT_EQ(client_id_owner(map, "cmdlink-1002"), "bob");
    EXPECT_EQ(client_id_owner(map, "bob"), "bob");
    EXPECT_EQ(client_id_owner(map, "bob:cmdlink-1001"), "bob");
    EXPECT_EQ(client_id_owner(map, "cmdlink-server:a:b"), "cmdlink-server");
    EXPECT_EQ(client_id_owner(map, "bobby"), std::nullopt);
    EXPECT_EQ(client_id_owner(map, "cmdlink-1003"), std::nullopt);
}

TEST(ClientIdRule, AUserIdWithAColonKeepsItsDefaultIdAgainstANamePrefix) {
    auto map =
        parse_account_map("server\tsrv\nstudent\talice\tcmdlink:1\nstudent\tcmdlink-cmdlink\t2\n");
    ASSERT_TRUE(map.ok()) << map.error();
    // `cmdlink-cmdlink:1` is alice's default ID, though it also starts with the other
    // student's name and ':'.
    EXPECT_EQ(client_id_owner(map.value(), "cmdlink-cmdlink:1"), "alice");
    EXPECT_FALSE(may_use(map.value(), "cmdlink-cmdlink", "cmdlink-cmdlink:1"));
    EXPECT_TRUE(may_use(map.value(), "cmdlink-cmdlink", "cmdlink-cmdlink:2"));
}

}  // namespace
}  // namespace cmdlink::broker_plugin
