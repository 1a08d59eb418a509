#pragma once

#include <string>

#include "net/mqtt_options.hpp"

namespace cmdlink::net {

// libmosquitto's errors as sentences a user can act on: what happened, named for this
// connection's broker and account, and what to check. Each takes the code libmosquitto gave;
// `system_error` is the errno (or getaddrinfo code) that came with it, or 0.

// A connection attempt that ended before the broker's CONNACK.
std::string connect_failure_text(int rc, int system_error, const MqttOptions& options,
                                 const BrokerAddress& broker);

// The broker's CONNACK refused us (an MQTT 3.1.1 return code below 128, or an MQTT 5 reason
// code).
std::string connack_refusal_text(int rc, const MqttOptions& options);

// An MQTT 5 DISCONNECT reason code (0x80 and up), or libmosquitto's own error code, for a
// connection that was up.
std::string disconnect_text(int rc, const MqttOptions& options);

}  // namespace cmdlink::net
