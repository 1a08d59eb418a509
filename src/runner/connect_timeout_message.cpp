#include "runner/connect_timeout_message.hpp"

#include <chrono>
#include <sstream>

namespace cmdlink::runner {

std::string connect_timeout_message(const net::MqttOptions& options, core::Duration timeout,
                                    std::string_view last_failure) {
    std::ostringstream text;
    text << "no MQTT connection to " << net::describe_brokers(options)
         << " within the connect timeout (" << std::chrono::duration<double>(timeout).count()
         << " s)";
    if (!last_failure.empty()) text << "; last: " << last_failure;
    return text.str();
}

}  // namespace cmdlink::runner
