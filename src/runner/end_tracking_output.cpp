#include "runner/end_tracking_output.hpp"

#include "core/protocol.hpp"

namespace cmdlink::runner {

void EndTrackingOutput::publish(std::string_view topic, std::string_view payload, int qos) {
    connection_.publish(topic, payload, qos);
    if (qos == 0 || payload != core::kWellDone) return;
    if (const int message_id = connection_.last_message_id(); message_id != 0) {
        ends_.insert_or_assign(message_id, std::string(topic));
    }
}

std::optional<std::string> EndTrackingOutput::delivered(int message_id) {
    const auto found = ends_.find(message_id);
    if (found == ends_.end()) return std::nullopt;
    std::string session_id = std::move(found->second);
    ends_.erase(found);
    return session_id;
}

}  // namespace cmdlink::runner
