#include "apps/commands/did_you_mean.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace cmdlink::apps {
namespace {

TEST(EditDistance, CountsInsertionsDeletionsAndReplacements) {
    EXPECT_EQ(edit_distance("", ""), 0U);
    EXPECT_EQ(edit_distance("host", "host"), 0U);
    EXPECT_EQ(edit_distance("userid", "user-id"), 1U);
    EXPECT_EQ(edit_distance("user-id", "userid"), 1U);
    EXPECT_EQ(edit_distance("port", "sort"), 1U);
    EXPECT_EQ(edit_distance("", "abc"), 3U);
    EXPECT_EQ(edit_distance("kitten", "sitting"), 3U);
}

TEST(EditDistance, CountsASwapOfNeighboursOnce) {
    EXPECT_EQ(edit_distance("clinet", "client"), 1U);
    EXPECT_EQ(edit_distance("srever", "server"), 1U);
    EXPECT_EQ(edit_distance("ab", "ba"), 1U);
}

const std::vector<std::string> kFlags = {"--help", "--user-id", "--host",    "-h",
                                         "--port", "-p",        "--username"};

TEST(NearestName, NamesTheFlagATypoMeant) {
    EXPECT_EQ(nearest_name("--userid", kFlags), "--user-id");
    EXPECT_EQ(nearest_name("--hots", kFlags), "--host");
    EXPECT_EQ(nearest_name("--usrname", kFlags), "--username");
    EXPECT_EQ(nearest_name("-user-id", kFlags), "--user-id");
}

TEST(NearestName, NamesTheCommandATypoMeant) {
    const std::vector<std::string> commands = {"client", "server", "demo", "bench", "results"};
    EXPECT_EQ(nearest_name("clinet", commands), "client");
    EXPECT_EQ(nearest_name("sever", commands), "server");
    EXPECT_EQ(nearest_name("dmeo", commands), "demo");
}

TEST(NearestName, SuggestsNothingForAWordFarFromEveryName) {
    EXPECT_EQ(nearest_name("--verbose", kFlags), std::nullopt);
    EXPECT_EQ(nearest_name("--topic", kFlags), std::nullopt);
    EXPECT_EQ(nearest_name("-x", kFlags), std::nullopt);
    EXPECT_EQ(nearest_name("--userid", {}), std::nullopt);
    EXPECT_EQ(nearest_name("publish", {"client", "server"}), std::nullopt);
}

TEST(NearestName, TakesTheFirstOfEquallyNearNames) {
    EXPECT_EQ(nearest_name("--post", {"--port", "--host"}), "--port");
    EXPECT_EQ(nearest_name("--post", {"--host", "--port"}), "--host");
}

}  // namespace
}  // namespace cmdlink::apps
