#pragma once

#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "net/mqtt_options.hpp"

namespace cmdlink::runner {

// Why a run that never got a connection gives up: every broker it tried, how long it tried,
// and the last failure, e.g. "no MQTT connection to 127.0.0.1:1883 within the connect
// timeout (10 s); last: cannot connect to 127.0.0.1:1883: Connection refused".
std::string connect_timeout_message(const net::MqttOptions& options, core::Duration timeout,
                                    std::string_view last_failure);

}  // namespace cmdlink::runner
