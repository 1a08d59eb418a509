#include "apps/cli/version_text.hpp"

#include <gtest/gtest.h>
#include <mosquitto.h>

#include <string>

namespace cmdlink::apps {
namespace {

TEST(VersionText, NamesOurVersionAndTheLibmosquittoRunning) {
    const std::string text = version_text();
    EXPECT_EQ(text.rfind("cmdlink " CMDLINK_PROJECT_VERSION, 0), 0U) << text;
    int major = 0;
    int minor = 0;
    int revision = 0;
    mosquitto_lib_version(&major, &minor, &revision);
    const std::string running = "libmosquitto " + std::to_string(major) + "." +
                                std::to_string(minor) + "." + std::to_string(revision);
    EXPECT_NE(text.find(running), std::string::npos) << text;
}

}  // namespace
}  // namespace cmdlink::apps
