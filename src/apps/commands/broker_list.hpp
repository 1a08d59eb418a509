#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "net/mqtt_options.hpp"

namespace cmdlink::apps {

// One `--host` entry: `host` or `host:port`; an IPv6 address bare (`::1`) or in brackets
// (`[::1]` or `[::1]:1884`). A missing port is `default_port`.
core::Result<net::BrokerAddress> parse_broker_address(std::string_view entry, int default_port);

// Every `--host` value in order, each one a comma list (`--host a,b:1884 --host c`); at
// least one broker.
core::Result<std::vector<net::BrokerAddress>> parse_broker_list(
    const std::vector<std::string>& entries, int default_port);

}  // namespace cmdlink::apps
