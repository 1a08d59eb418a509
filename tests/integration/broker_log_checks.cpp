#include "broker_log_checks.hpp"

#include <algorithm>
#include <map>
#include <utility>

#include "core/text_lines.hpp"

namespace cmdlink::integration {
namespace {

// The text between `prefix` and the next `end` in `line`, or "" when `prefix` is missing.
std::string_view field_after(std::string_view line, std::string_view prefix, char end) {
    const auto at = line.find(prefix);
    if (at == std::string_view::npos) return {};
    const auto from = at + prefix.size();
    const auto to = line.find(end, from);
    if (to == std::string_view::npos) return {};
    return line.substr(from, to - from);
}

}  // namespace

std::vector<BrokerQos2Resend> qos2_publishes_resent_after_pubrel(std::string_view log) {
    // Mosquitto 2.0 logs, at `log_type debug`:
    //   Sending PUBREL to <client> (m<id>)
    //   Received PUBCOMP from <client> (Mid: <id>, RC:0)
    //   Sending PUBLISH to <client> (d<dup>, q<qos>, r<retain>, m<id>, '<topic>', ... (<n> bytes))
    // (client ID, packet ID) -> whether the PUBCOMP is still owed, from the broker's PUBREL on
    // until a new exchange (a PUBLISH without DUP) takes the packet ID.
    std::map<std::pair<std::string, std::string>, bool> released;
    std::vector<BrokerQos2Resend> resends;
    core::LineReader lines(log);
    while (const auto next = lines.next()) {
        const std::string_view line = next->text;
        if (const auto client = field_after(line, "Sending PUBREL to ", ' '); !client.empty()) {
            released[{std::string(client), std::string(field_after(line, "(m", ')'))}] = true;
        } else if (const auto from = field_after(line, "Received PUBCOMP from ", ' ');
                   !from.empty()) {
            const auto at =
                released.find({std::string(from), std::string(field_after(line, "(Mid: ", ','))});
            if (at != released.end()) at->second = false;
        } else if (const auto to = field_after(line, "Sending PUBLISH to ", ' ');
                   !to.empty() && line.find(", q2, ") != std::string_view::npos) {
            const auto at =
                released.find({std::string(to), std::string(field_after(line, ", m", ','))});
            if (at == released.end()) continue;
            const bool dup = line.find("(d1, ") != std::string_view::npos;
            if (at->second || dup) {
                resends.push_back({std::string(to), std::string(field_after(line, ", '", '\'')),
                                   std::string(line)});
            }
            // After a copy the receiver answers with PUBREC again and the broker, with PUBREL.
            released.erase(at);
        }
    }
    return resends;
}

std::size_t resends_to(const std::vector<BrokerQos2Resend>& resends, std::string_view client_id,
                       std::string_view topic) {
    return static_cast<std::size_t>(
        std::count_if(resends.begin(), resends.end(), [&](const BrokerQos2Resend& resend) {
            return resend.client_id == client_id && resend.topic == topic;
        }));
}

}  // namespace cmdlink::integration
