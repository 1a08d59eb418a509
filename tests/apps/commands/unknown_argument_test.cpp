#include "apps/commands/unknown_argument.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace cmdlink::apps {
namespace {

// A command line shaped like cmdlink's: two subcommands, one with a required flag.
class UnknownArgument : public ::testing::Test {
  protected:
    UnknownArgument() {
        app_.require_subcommand(1);
        CLI::App* client = app_.add_subcommand("client", "");
        client->set_help_flag("--help");
        client->add_option("--user-id", user_id_)->required();
        client->add_option("-h,--host", host_);
        app_.add_subcommand("server", "");
    }

    // What describe_unknown_argument says after parsing `arguments`, which must fail.
    std::optional<std::string> described(std::vector<std::string> arguments) {
        std::reverse(arguments.begin(), arguments.end());
        try {
            app_.parse(arguments);
        } catch (const CLI::ParseError&) {
            return describe_unknown_argument(app_);
        }
        ADD_FAILURE() << "the parse succeeded";
        return std::nullopt;
    }

    CLI::App app_{"test"};
    std::string user_id_;
    std::string host_;
};

TEST_F(UnknownArgument, AMistypedFlagIsNamedBeforeTheRequiredFlagItHides) {
    EXPECT_EQ(described({"client", "--userid", "12345"}),
              "unknown option --userid (did you mean --user-id?)");
}

TEST_F(UnknownArgument, AMistypedFlagWithItsValueAttachedIsNamedWithoutTheValue) {
    EXPECT_EQ(described({"client", "--user-id", "1", "--hots=a"}),
              "unknown option --hots (did you mean --host?)");
}

TEST_F(UnknownArgument, AMistypedCommandIsNamedWithTheNearestCommand) {
    EXPECT_EQ(described({"clinet"}), "unknown command clinet (did you mean client?)");
    EXPECT_EQ(described({"publish"}), "unknown command publish");
    EXPECT_EQ(described({"clinet", "--user-id", "1"}),
              "unknown command clinet (did you mean client?)");
}

TEST_F(UnknownArgument, AStrayValueIsNamed) {
    EXPECT_EQ(described({"client", "--user-id", "1", "extra"}), "unexpected argument extra");
}

TEST_F(UnknownArgument, AnotherErrorIsLeftToCLI11) {
    EXPECT_EQ(described({"client"}), std::nullopt);
}

}  // namespace
}  // namespace cmdlink::apps
