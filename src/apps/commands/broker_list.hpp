#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "net/mqtt_options.hpp"

namespace cmdlink::apps {

// One broker as the command line names it, before --port and the TLS flags are applied.
struct BrokerEntry {
    std::string text;  // as given, for messages
    std::string host;
    std::optional<int> port;
    std::optional<bool> tls;              // a URL's scheme: mqtts:// true, mqtt:// false
    std::optional<std::string> username;  // a URL's user@
};

// One entry: `host` or `host:port`; an IPv6 address bare (`::1`) or in brackets (`[::1]` or
// `[::1]:1884`); or a URL as mosquitto_sub's -L takes it, `mqtt://[user@]host[:port]` or
// `mqtts://...`, without the topic (cmdlink's topics are the protocol's). `flag` names the
// flag in messages.
core::Result<BrokerEntry> parse_broker_entry(std::string_view entry,
                                             std::string_view flag = "--host");

// Every value of `flag` in order, each one a comma list (`--host a,b:1884 --host c`).
core::Result<std::vector<BrokerEntry>> parse_broker_entries(const std::vector<std::string>& values,
                                                            std::string_view flag = "--host");

// The brokers to connect to, and what the entries say beyond their addresses.
struct BrokerTarget {
    std::vector<net::BrokerAddress> brokers;  // at least one
    bool tls = false;
    std::optional<std::string> username;  // from the URLs
};

// Applies `port` (--port) and the TLS flags to `entries`: an entry's own port, else `port`,
// else 8883 with TLS and 1883 without. Refused, each with the fix: an entry's port that
// differs from `port`, URLs whose schemes or user names differ, `mqtt://` with TLS flags.
core::Result<BrokerTarget> resolve_brokers(const std::vector<BrokerEntry>& entries,
                                           std::optional<int> port, bool tls_flags,
                                           std::string_view flag = "--host");

// One `--host` entry without a scheme; a missing port is `default_port`.
core::Result<net::BrokerAddress> parse_broker_address(std::string_view entry, int default_port);

// Every `--host` value in order, each one a comma list; at least one broker. A missing port
// is `default_port`.
core::Result<std::vector<net::BrokerAddress>> parse_broker_list(
    const std::vector<std::string>& entries, int default_port);

}  // namespace cmdlink::apps
