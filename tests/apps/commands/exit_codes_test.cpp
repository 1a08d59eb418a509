#include "apps/commands/exit_codes.hpp"

#include <gtest/gtest.h>

namespace cmdlink::apps {
namespace {

TEST(ExitCodes, EachKindOfErrorHasItsOwnExitCode) {
    EXPECT_EQ(exit_code_for(core::Error{"bad flag"}), kExitUsage);
    EXPECT_EQ(exit_code_for(core::Error{"refused", core::ErrorKind::kConnection}),
              kExitCannotConnect);
    EXPECT_EQ(exit_code_for(core::system_error("epoll_create1: Too many open files")), kExitSystem);
}

TEST(ExitCodes, AFailurePassedOnKeepsItsKind) {
    const core::Result<int> inner = core::system_error("eventfd: Too many open files");
    const core::Status outer = inner.failure();
    EXPECT_EQ(outer.failure().kind, core::ErrorKind::kSystem);
    EXPECT_EQ(outer.error(), "eventfd: Too many open files");
}

}  // namespace
}  // namespace cmdlink::apps
