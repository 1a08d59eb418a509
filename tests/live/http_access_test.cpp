#include "live/http_access.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace cmdlink::live {
namespace {

class HttpAccessTest : public ::testing::Test {
  protected:
    void SetUp() override {
        directory_ = std::filesystem::temp_directory_path() /
                     ("cmdlink-http-access-" + std::to_string(::getpid()));
        std::filesystem::create_directories(directory_);
    }
    void TearDown() override { std::filesystem::remove_all(directory_); }

    std::string token_file(const std::string& text) {
        const auto path = directory_ / "token";
        std::ofstream(path) << text;
        return path.string();
    }

    std::filesystem::path directory_;
};

TEST_F(HttpAccessTest, APortAloneListensOnLoopbackWithoutAToken) {
    auto access = http_access("8080", "");
    ASSERT_TRUE(access) << access.error();
    EXPECT_EQ(access.value().address, "127.0.0.1");
    EXPECT_EQ(access.value().port, 8080);
    EXPECT_FALSE(access.value().token.has_value());
}

TEST_F(HttpAccessTest, TakesAnAddressAndPortIncludingBracketedIpv6) {
    auto v4 = http_access("127.0.0.2:9000", "");
    ASSERT_TRUE(v4) << v4.error();
    EXPECT_EQ(v4.value().address, "127.0.0.2");
    EXPECT_EQ(v4.value().port, 9000);
    auto v6 = http_access("[::1]:9001", "");
    ASSERT_TRUE(v6) << v6.error();
    EXPECT_EQ(v6.value().address, "::1");
}

TEST_F(HttpAccessTest, RefusesAnAddressBeyondLoopbackWithoutATokenFile) {
    auto access = http_access("0.0.0.0:8080", "");
    ASSERT_FALSE(access);
    EXPECT_NE(access.error().find("--http-token-file"), std::string::npos) << access.error();
}

TEST_F(HttpAccessTest, TakesAnAddressBeyondLoopbackWithATokenFile) {
    auto access = http_access("0.0.0.0:8080", token_file("0123456789abcdef0123\n"));
    ASSERT_TRUE(access) << access.error();
    EXPECT_EQ(access.value().token, "0123456789abcdef0123");
}

TEST_F(HttpAccessTest, RefusesAShortTokenAndNamesTheFile) {
    const std::string path = token_file("secret\n");
    auto access = http_access("8080", path);
    ASSERT_FALSE(access);
    EXPECT_NE(access.error().find(path), std::string::npos) << access.error();
    EXPECT_NE(access.error().find("16 characters"), std::string::npos) << access.error();
}

TEST_F(HttpAccessTest, RefusesNamesBadPortsAndAMissingTokenFile) {
    EXPECT_FALSE(http_access("localhost:8080", ""));
    EXPECT_FALSE(http_access("127.0.0.1:http", ""));
    EXPECT_FALSE(http_access("70000", ""));
    EXPECT_FALSE(http_access("", ""));
    EXPECT_FALSE(http_access("8080", (directory_ / "missing").string()));
}

TEST(HttpAuthorization, NeedsTheTokenAsBearerOrQueryParameterWhenThereIsOne) {
    HttpAccess open;
    EXPECT_TRUE(authorized(open, "", ""));
    HttpAccess guarded;
    guarded.token = "0123456789abcdef";
    EXPECT_FALSE(authorized(guarded, "", ""));
    EXPECT_FALSE(authorized(guarded, "Bearer 0123456789abcdeX", ""));
    EXPECT_FALSE(authorized(guarded, "Bearer 0123456789abcde", ""));
    EXPECT_FALSE(authorized(guarded, "Basic 0123456789abcdef", ""));
    EXPECT_TRUE(authorized(guarded, "Bearer 0123456789abcdef", ""));
    EXPECT_TRUE(authorized(guarded, "", "0123456789abcdef"));
}

TEST(Loopback, KnowsTheLoopbackAddresses) {
    EXPECT_TRUE(is_loopback("127.0.0.1"));
    EXPECT_TRUE(is_loopback("127.3.2.1"));
    EXPECT_TRUE(is_loopback("::1"));
    EXPECT_FALSE(is_loopback("0.0.0.0"));
    EXPECT_FALSE(is_loopback("192.168.1.10"));
    EXPECT_FALSE(is_loopback("::"));
}

}  // namespace
}  // namespace cmdlink::live
