#include "apps/cli/version_text.hpp"

#include <mosquitto.h>

#include "cmdlink_version.hpp"

namespace cmdlink::apps {

namespace {

std::string dotted(int major, int minor, int revision) {
    return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(revision);
}

}  // namespace

std::string version_text() {
    std::string text = "cmdlink " CMDLINK_VERSION;
    if (const std::string revision = CMDLINK_GIT_REVISION; !revision.empty()) {
        text += " (git " + revision + ")";
    }
    int major = 0;
    int minor = 0;
    int revision = 0;
    mosquitto_lib_version(&major, &minor, &revision);
    text += "\nlibmosquitto " + dotted(major, minor, revision);
    const std::string built = dotted(LIBMOSQUITTO_MAJOR, LIBMOSQUITTO_MINOR, LIBMOSQUITTO_REVISION);
    if (built != dotted(major, minor, revision)) text += " (built against " + built + ")";
    return text;
}

}  // namespace cmdlink::apps
