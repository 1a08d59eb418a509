// How the integration tests tell a sanitizer report in a cmdlink process's stderr.
#include <gtest/gtest.h>

#include <string>

#include "integration_support.hpp"

namespace cmdlink::integration {
namespace {

const std::string kTranscript = "12:00:01 connected to 127.0.0.1:1883\n12:00:02 session passed\n";

TEST(SanitizerReport, AnOrdinaryTranscriptHasNone) {
    EXPECT_EQ(sanitizer_report(kTranscript), "");
}

TEST(SanitizerReport, AnAddressSanitizerReportIsFoundFromItsFirstLine) {
    const std::string report =
        "==4242==ERROR: AddressSanitizer: heap-use-after-free on address 0x6030\n"
        "    #0 0x55 in cmdlink::core::Issuer::on_reply src/core/issuer.cpp:80\n";
    EXPECT_EQ(sanitizer_report(kTranscript + report), report);
}

TEST(SanitizerReport, AnUndefinedBehaviourReportIsFoundFromItsFirstLine) {
    const std::string report =
        "src/core/uuid.cpp:12:5: runtime error: shift exponent 64 is too large\n"
        "SUMMARY: UndefinedBehaviorSanitizer: undefined-behavior src/core/uuid.cpp:12:5\n";
    EXPECT_EQ(sanitizer_report(kTranscript + report), report);
}

TEST(SanitizerReport, LeakAndThreadSanitizerReportsAreFound) {
    EXPECT_NE(sanitizer_report("==1==ERROR: LeakSanitizer: detected memory leaks\n"), "");
    EXPECT_NE(sanitizer_report("WARNING: ThreadSanitizer: data race (pid=1)\n"), "");
}

}  // namespace
}  // namespace cmdlink::integration
