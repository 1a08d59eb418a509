#include "core/text_checks.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <string_view>

#include "core/protocol.hpp"
#include "recording_output.hpp"

namespace cmdlink::core {
namespace {

// The reason a check gives, printed as text when an expectation fails.
std::string why(const std::optional<std::string>& reason) {
    return reason ? *reason : std::string("(accepted)");
}

using test_support::Contains;
using namespace std::string_view_literals;

// ---- is_valid_utf8 ----

TEST(Utf8, AcceptsAsciiAndWellFormedMultiByteSequences) {
    EXPECT_TRUE(is_valid_utf8(""));
    EXPECT_TRUE(is_valid_utf8("Well done my IoT!"));
    EXPECT_TRUE(is_valid_utf8("\xC2\xA9"));          // U+00A9, two bytes
    EXPECT_TRUE(is_valid_utf8("\xE2\x82\xAC"));      // U+20AC, three bytes
    EXPECT_TRUE(is_valid_utf8("\xF0\x9F\x98\x80"));  // U+1F600, four bytes
    EXPECT_TRUE(
        is_valid_utf8("Gr\xC3\xBC\xC3\x9F"
                      "e"));
}

TEST(Utf8, AcceptsTheBoundariesOfEachSequenceLength) {
    EXPECT_TRUE(is_valid_utf8("\x7F"));
    EXPECT_TRUE(is_valid_utf8("\xC2\x80"));          // U+0080, smallest two-byte
    EXPECT_TRUE(is_valid_utf8("\xDF\xBF"));          // U+07FF
    EXPECT_TRUE(is_valid_utf8("\xE0\xA0\x80"));      // U+0800, smallest three-byte
    EXPECT_TRUE(is_valid_utf8("\xED\x9F\xBF"));      // U+D7FF, just below the surrogates
    EXPECT_TRUE(is_valid_utf8("\xEE\x80\x80"));      // U+E000, just above them
    EXPECT_TRUE(is_valid_utf8("\xEF\xBF\xBD"));      // U+FFFD
    EXPECT_TRUE(is_valid_utf8("\xF0\x90\x80\x80"));  // U+10000, smallest four-byte
    EXPECT_TRUE(is_valid_utf8("\xF4\x8F\xBF\xBF"));  // U+10FFFF, the last code point
}

TEST(Utf8, AcceptsAnEmbeddedNulBecauseItIsWellFormed) {
    EXPECT_TRUE(is_valid_utf8("a\0b"sv));
}

TEST(Utf8, RefusesOverlongEncodings) {
    EXPECT_FALSE(is_valid_utf8("\xC0\xAF"));          // '/' in two bytes
    EXPECT_FALSE(is_valid_utf8("\xC1\xBF"));          // U+007F in two bytes
    EXPECT_FALSE(is_valid_utf8("\xC0\x80"));          // NUL in two bytes
    EXPECT_FALSE(is_valid_utf8("\xE0\x80\xAF"));      // '/' in three bytes
    EXPECT_FALSE(is_valid_utf8("\xE0\x9F\xBF"));      // U+07FF in three bytes
    EXPECT_FALSE(is_valid_utf8("\xF0\x80\x80\xAF"));  // '/' in four bytes
    EXPECT_FALSE(is_valid_utf8("\xF0\x8F\xBF\xBF"));  // U+FFFF in four bytes
}

TEST(Utf8, RefusesUtf16Surrogates) {
    EXPECT_FALSE(is_valid_utf8("\xED\xA0\x80"));              // U+D800
    EXPECT_FALSE(is_valid_utf8("\xED\xAD\xBF"));              // U+DB7F
    EXPECT_FALSE(is_valid_utf8("\xED\xBF\xBF"));              // U+DFFF
    EXPECT_FALSE(is_valid_utf8("\xED\xA0\xBD\xED\xB8\x80"));  // a CESU-8 surrogate pair
}

TEST(Utf8, RefusesCodePointsAboveTheUnicodeRange) {
    EXPECT_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));  // U+110000
    EXPECT_FALSE(is_valid_utf8("\xF5\x80\x80\x80"));
    EXPECT_FALSE(is_valid_utf8("\xF8\x88\x80\x80\x80"));  // old five-byte form
    EXPECT_FALSE(is_valid_utf8("\xFF"));
    EXPECT_FALSE(is_valid_utf8("\xFE"));
}

TEST(Utf8, RefusesTruncatedSequences) {
    EXPECT_FALSE(is_valid_utf8("\xC3"));
    EXPECT_FALSE(is_valid_utf8("\xE2\x82"));
    EXPECT_FALSE(is_valid_utf8("\xF0\x9F\x98"));
    EXPECT_FALSE(is_valid_utf8("abc\xE2"));
    EXPECT_FALSE(
        is_valid_utf8("\xE2\x82"
                      "abc"));  // cut short by an ASCII byte
}

TEST(Utf8, RefusesStrayContinuationBytes) {
    EXPECT_FALSE(is_valid_utf8("\x80"));
    EXPECT_FALSE(is_valid_utf8("\xBF"));
    EXPECT_FALSE(is_valid_utf8("a\x80z"));
    EXPECT_FALSE(is_valid_utf8("\xC3\xA9\xA9"));  // one continuation too many
}

// ---- check_payload ----

TEST(Payload, AcceptsTheProtocolsOwnPayloads) {
    EXPECT_EQ(check_payload("12345"), std::nullopt);
    EXPECT_EQ(check_payload("CMD1"), std::nullopt);
    EXPECT_EQ(check_payload(kWellDone), std::nullopt);
    EXPECT_EQ(check_payload("1b4e28ba-2fa1-41d2-883f-0016d3cca427"), std::nullopt);
}

TEST(Payload, RefusesAnEmptyPayload) {
    EXPECT_EQ(why(check_payload("")), "payload is empty");
}

TEST(Payload, AcceptsExactly256BytesAndRefuses257) {
    EXPECT_EQ(check_payload(std::string(kMaxPayloadBytes, 'x')), std::nullopt);
    EXPECT_EQ(why(check_payload(std::string(kMaxPayloadBytes + 1, 'x'))),
              "payload is 257 bytes long; at most 256 are allowed");
    EXPECT_EQ(why(check_payload(std::string(300, 'A'))),
              "payload is 300 bytes long; at most 256 are allowed");
}

TEST(Payload, RefusesInvalidUtf8) {
    EXPECT_EQ(why(check_payload("\xFF\xFE\x00\x01"sv)), "payload is not valid UTF-8");
    EXPECT_EQ(why(check_payload("\xC0\xAF")), "payload is not valid UTF-8");
}

TEST(Payload, ChecksTheLengthBeforeTheEncoding) {
    EXPECT_TRUE(Contains(*check_payload(std::string(300, '\xFF')), "300 bytes long"));
}

// ---- check_user_id ----

TEST(UserId, AcceptsDigitsLettersAndNonAsciiText) {
    EXPECT_EQ(check_user_id("12345"), std::nullopt);
    EXPECT_EQ(check_user_id("student@uni-saarland.de"), std::nullopt);
    EXPECT_EQ(check_user_id("J\xC3\xBCrgen"), std::nullopt);
    EXPECT_EQ(check_user_id("with space"), std::nullopt);
}

TEST(UserId, RefusesAnEmptyUserId) {
    EXPECT_EQ(why(check_user_id("")), "user ID is empty");
}

TEST(UserId, AcceptsExactly64BytesAndRefuses65) {
    EXPECT_EQ(check_user_id(std::string(kMaxUserIdBytes, '7')), std::nullopt);
    EXPECT_EQ(why(check_user_id(std::string(kMaxUserIdBytes + 1, '7'))),
              "user ID is 65 bytes long; at most 64 are allowed");
}

TEST(UserId, RefusesTopicSeparatorsAndWildcards) {
    EXPECT_EQ(why(check_user_id("a/b")), "user ID contains '/', which MQTT topics reserve");
    EXPECT_EQ(why(check_user_id("a+b")), "user ID contains '+', which MQTT topics reserve");
    EXPECT_EQ(why(check_user_id("#")), "user ID contains '#', which MQTT topics reserve");
    EXPECT_EQ(why(check_user_id("12345/")), "user ID contains '/', which MQTT topics reserve");
}

TEST(UserId, RefusesNul) {
    EXPECT_EQ(why(check_user_id("12\0"
                                "45"sv)),
              "user ID contains a NUL character");
}

TEST(UserId, RefusesAsciiControlCharacters) {
    EXPECT_EQ(why(check_user_id("12\t45")), "user ID contains a control character");
    EXPECT_EQ(why(check_user_id("12345\n")), "user ID contains a control character");
    EXPECT_EQ(why(check_user_id("\x1B[31m")), "user ID contains a control character");
    EXPECT_EQ(why(check_user_id("abc\x7F")), "user ID contains a control character");
}

// U+0080..U+009F are control characters too, and brokers such as Mosquitto refuse topics
// that contain them: a client must not start with such an ID only to fail on SUBSCRIBE.
TEST(UserId, RefusesC1ControlCharacters) {
    EXPECT_EQ(why(check_user_id("abc\xC2\x80")), "user ID contains a control character");
    EXPECT_EQ(why(check_user_id("abc\xC2\x85")), "user ID contains a control character");
    EXPECT_EQ(why(check_user_id("\xC2\x9F"
                                "abc")),
              "user ID contains a control character");
    EXPECT_EQ(check_user_id("abc\xC2\xA0"), std::nullopt);  // U+00A0 is not a control
}

TEST(UserId, RefusesInvalidUtf8) {
    EXPECT_EQ(why(check_user_id("\xFF")), "user ID is not valid UTF-8");
    EXPECT_EQ(why(check_user_id("\xED\xA0\x80")), "user ID is not valid UTF-8");
}

// A `$` topic belongs to the broker: `$SYS/UUID` could never reach the device.
TEST(UserId, RefusesALeadingDollarSign) {
    EXPECT_EQ(why(check_user_id("$SYS")),
              "user ID starts with '$', which MQTT reserves for the broker's own topics ($SYS)");
    EXPECT_EQ(why(check_user_id("$12345")),
              "user ID starts with '$', which MQTT reserves for the broker's own topics ($SYS)");
    EXPECT_EQ(check_user_id("12$45"), std::nullopt);
}

TEST(UserId, RefusesLeadingOrTrailingBlanks) {
    EXPECT_EQ(why(check_user_id(" 12345")), "user ID starts or ends with a blank");
    EXPECT_EQ(why(check_user_id("12345 ")), "user ID starts or ends with a blank");
    EXPECT_EQ(why(check_user_id(" ")), "user ID starts or ends with a blank");
}

// ---- check_session_id and check_command_name ----

TEST(SessionId, AcceptsAUuidAndTheSeedsExample) {
    EXPECT_EQ(check_session_id("1b4e28ba-2fa1-41d2-883f-0016d3cca427"), std::nullopt);
    EXPECT_EQ(check_session_id("1234-fdsfs-12441-qa241"), std::nullopt);
}

TEST(SessionId, RefusesWhatCannotBeATopicLevel) {
    EXPECT_EQ(why(check_session_id("")), "session ID is empty");
    EXPECT_EQ(why(check_session_id("a/b")), "session ID contains '/', which MQTT topics reserve");
    EXPECT_EQ(why(check_session_id("+")), "session ID contains '+', which MQTT topics reserve");
    EXPECT_EQ(why(check_session_id("#")), "session ID contains '#', which MQTT topics reserve");
    EXPECT_EQ(why(check_session_id(std::string(257, 'a'))),
              "session ID is 257 bytes long; at most 256 are allowed");
    EXPECT_EQ(check_session_id(std::string(256, 'a')), std::nullopt);
}

TEST(CommandName, AcceptsCourseCommandsAndRefusesReservedCharacters) {
    EXPECT_EQ(check_command_name("CMD7"), std::nullopt);
    EXPECT_EQ(why(check_command_name("")), "command is empty");
    EXPECT_EQ(why(check_command_name("CMD/1")), "command contains '/', which MQTT topics reserve");
    EXPECT_EQ(why(check_command_name("CMD\r")), "command contains a control character");
}

// ---- printable ----

TEST(Printable, KeepsPrintableAscii) {
    EXPECT_EQ(printable("CMD1 Apple!"), "CMD1 Apple!");
    EXPECT_EQ(printable(""), "");
}

TEST(Printable, EscapesControlNonAsciiAndBackslashBytes) {
    EXPECT_EQ(printable("a\0b"sv), "a\\x00b");
    EXPECT_EQ(printable("\n\x7F"), "\\x0a\\x7f");
    EXPECT_EQ(printable("\xFF\xC3\xA9"), "\\xff\\xc3\\xa9");
    EXPECT_EQ(printable("a\\b"), "a\\x5cb");
}

TEST(Printable, CapsTheLengthAndSaysHowLongTheInputWas) {
    EXPECT_EQ(printable(std::string(80, 'x')), std::string(80, 'x'));
    EXPECT_EQ(printable(std::string(300, 'x')), std::string(80, 'x') + "...(300 bytes)");
    EXPECT_EQ(printable("abcdef", 3), "abc...(6 bytes)");
}

}  // namespace
}  // namespace cmdlink::core
