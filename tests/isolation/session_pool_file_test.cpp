#include "isolation/session_pool_file.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "broker/temp_directory.hpp"
#include "os/text_file.hpp"

namespace cmdlink::isolation {
namespace {

using core::PooledSessionId;

const std::string kA1 = "0b7c7a1e-2f4d-4c1a-9e3b-5d6f7a8b9c01";
const std::string kB1 = "0b7c7a1e-2f4d-4c1a-9e3b-5d6f7a8b9c11";

TEST(SessionPoolText, RoundTripsAndTakesTheLastCommaAsTheSeparator) {
    const std::vector<PooledSessionId> entries{{"1001", kA1}, {"smith, jo", kB1}};
    const std::string text = render_session_pool(entries);
    EXPECT_EQ(text, "user_id,session_id\n1001," + kA1 + "\nsmith, jo," + kB1 + "\n");
    auto parsed = parse_session_pool(text);
    ASSERT_TRUE(parsed) << parsed.error();
    ASSERT_EQ(parsed.value().size(), 2U);
    EXPECT_EQ(parsed.value()[1].user_id, "smith, jo");
    EXPECT_EQ(parsed.value()[1].session_id, kB1);
}

TEST(SessionPoolText, ReportsABadHeaderAndALineWithoutComma) {
    const auto parsed = parse_session_pool("user,session\n1001\n");
    ASSERT_FALSE(parsed);
    EXPECT_NE(parsed.error().find("line 1:"), std::string::npos) << parsed.error();
    EXPECT_NE(parsed.error().find("line 2: expected user_id,session_id"), std::string::npos)
        << parsed.error();
    EXPECT_FALSE(parse_session_pool(""));
}

TEST(SessionPoolFile, ReadsAPoolWhoseIdsAreAllUnused) {
    auto scratch = broker::TempDirectory::create("cmdlink-pool-file-test-");
    ASSERT_TRUE(scratch) << scratch.error();
    const auto path = scratch.value().path() / "session-pool";
    ASSERT_TRUE(os::write_text_file(path, render_session_pool({{"1001", kA1}, {"1002", kB1}})));
    auto pool = read_session_pool(path);
    ASSERT_TRUE(pool) << pool.error();
    EXPECT_EQ(pool.value().students(), 2U);
    EXPECT_EQ(pool.value().remaining("1001"), 1U);
}

TEST(SessionPoolFile, NamesTheFileInEveryError) {
    auto scratch = broker::TempDirectory::create("cmdlink-pool-file-test-");
    ASSERT_TRUE(scratch) << scratch.error();
    const auto missing = scratch.value().path() / "missing";
    const auto unread = read_session_pool(missing);
    ASSERT_FALSE(unread);
    EXPECT_EQ(unread.error(), "cannot read the session pool " + missing.string());

    const auto twice = scratch.value().path() / "twice";
    ASSERT_TRUE(os::write_text_file(twice, render_session_pool({{"1001", kA1}, {"1002", kA1}})));
    const auto duplicate = read_session_pool(twice);
    ASSERT_FALSE(duplicate);
    EXPECT_EQ(duplicate.error(), twice.string() + ": session ID " + kA1 + " is in the pool twice");
}

}  // namespace
}  // namespace cmdlink::isolation
