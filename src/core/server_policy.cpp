#include "core/server_policy.hpp"

#include "core/protocol.hpp"

namespace cmdlink::core {

std::optional<std::string> check_policy(const ServerPolicy& policy) {
    if (policy.min_commands > policy.max_commands) {
        return "the command count range is empty: minimum " + std::to_string(policy.min_commands) +
               " > maximum " + std::to_string(policy.max_commands);
    }
    if (policy.max_commands > 1'000'000) return std::string("at most 1000000 commands a session");
    if (policy.table.size() > 65535) return std::string("the command table is too large");
    if (policy.qos && (*policy.qos < 0 || *policy.qos > kMaxQos)) {
        return std::string("QoS must be 0, 1, 2 or random");
    }
    if (policy.delay < Duration::zero()) return std::string("the delay may not be negative");
    if (policy.session_timeout <= policy.delay) {
        return std::string("the session timeout must be longer than the delay");
    }
    return std::nullopt;
}

}  // namespace cmdlink::core
