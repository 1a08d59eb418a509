#pragma once

#include <string>
#include <string_view>
#include <vector>

// What a Mosquitto log written with `log_type all` proves about the broker itself.
namespace cmdlink::integration {

// A QoS 2 PUBLISH the broker sent again after it had sent its PUBREL for that packet:
// - before the PUBCOMP that frees the packet ID, which MQTT forbids (MQTT-4.3.3-1: after
//   PUBREL only PUBREL is re-sent); Mosquitto 2.0.11 does it across reconnects;
// - or as a DUP after that PUBCOMP, once the exchange was complete: Mosquitto 2.0.11 does it
//   when it restarts from a database saved before the PUBCOMP.
// The receiver may already have delivered the message and forgotten the packet ID, so it must
// take the copy for a new one. No client can tell such a copy from a new message: a duplicate
// it explains is the broker's.
struct BrokerQos2Resend {
    std::string client_id;  // whom the broker sent the copy to
    std::string topic;
    std::string line;  // the log line of the copy
};

std::vector<BrokerQos2Resend> qos2_publishes_resent_after_pubrel(std::string_view log);

// How many of `resends` went to `client_id` on `topic`.
std::size_t resends_to(const std::vector<BrokerQos2Resend>& resends, std::string_view client_id,
                       std::string_view topic);

}  // namespace cmdlink::integration
