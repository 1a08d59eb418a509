#pragma once

#include <cstddef>
#include <string>
#include <string_view>

// The constants of ../shared/PROTOCOL.md, in one place for both sides.
namespace cmdlink::core {

inline constexpr std::string_view kLoginTopic = "login";
inline constexpr std::string_view kSessionIdSuffix = "/UUID";
// The opt-in verdict for the student (PROTOCOL.md, "Extension: the verdict for the student").
inline constexpr std::string_view kResultSuffix = "/result";
inline constexpr int kResultQos = 1;
inline constexpr std::string_view kWellDone = "Well done my IoT!";
inline constexpr std::size_t kMaxPayloadBytes = 256;
inline constexpr std::size_t kMaxUserIdBytes = 64;
inline constexpr int kMaxQos = 2;
// MQTT 5 shared subscriptions: `$share/<group>/<filter>`.
inline constexpr std::string_view kSharedPrefix = "$share/";

inline std::string session_id_topic(std::string_view user_id) {
    std::string topic;
    topic.reserve(user_id.size() + kSessionIdSuffix.size());
    topic.append(user_id).append(kSessionIdSuffix);
    return topic;
}

inline std::string result_topic(std::string_view user_id) {
    std::string topic;
    topic.reserve(user_id.size() + kResultSuffix.size());
    topic.append(user_id).append(kResultSuffix);
    return topic;
}

}  // namespace cmdlink::core
