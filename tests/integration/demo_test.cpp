// `cmdlink demo`: a broker, a server and clients of its own, in one command.
#include <gtest/gtest.h>

#include "integration_support.hpp"

namespace cmdlink::integration {
namespace {

class Demo : public ProcessTest {};

TEST_F(Demo, ThreeClientsPass) {
    CmdlinkProcess* demo =
        run_cmdlink("demo", {"demo", "--clients", "3", "--delay", "0.1", "--json", "-q"});
    ASSERT_NE(demo, nullptr);
    EXPECT_EQ(demo->wait_for_exit(), 0) << demo->describe();
    const auto results = demo->events("demo");
    ASSERT_EQ(results.size(), 1U) << demo->describe();
    EXPECT_EQ(results[0].value("clients", -1), 3);
    EXPECT_EQ(results[0].value("passed", -1), 3);
    const auto ended = demo->events("session_end");
    EXPECT_EQ(ended.size(), 3U) << demo->describe();
    for (const Json& end : ended) {
        EXPECT_EQ(end.value("outcome", ""), "passed") << end.dump();
    }
}

TEST_F(Demo, ZeroClientsIsAUsageError) {
    CmdlinkProcess* demo = run_cmdlink("demo", {"demo", "--clients", "0"});
    ASSERT_NE(demo, nullptr);
    EXPECT_EQ(demo->wait_for_exit(), 2) << demo->describe();
}

}  // namespace
}  // namespace cmdlink::integration
