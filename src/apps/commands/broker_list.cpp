#include "apps/commands/broker_list.hpp"

#include <charconv>

namespace cmdlink::apps {
namespace {

core::Result<int> parse_port(std::string_view text, std::string_view entry) {
    int port = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), port);
    if (error != std::errc() || end != text.data() + text.size() || port < 1 || port > 65535) {
        return core::Error{"--host '" + std::string(entry) +
                           "': the port must be a number from 1 to 65535"};
    }
    return port;
}

}  // namespace

core::Result<net::BrokerAddress> parse_broker_address(std::string_view entry, int default_port) {
    const auto blank = entry.find_first_of(" \t");
    if (entry.empty() || blank != std::string_view::npos) {
        return core::Error{"--host '" + std::string(entry) +
                           "': expected host or host:port, without blanks"};
    }
    std::string_view host = entry;
    std::string_view port_text;
    if (entry.front() == '[') {
        const auto close = entry.find(']');
        if (close == std::string_view::npos || close == 1) {
            return core::Error{"--host '" + std::string(entry) + "': expected [IPv6 address]:port"};
        }
        host = entry.substr(1, close - 1);
        const std::string_view rest = entry.substr(close + 1);
        if (!rest.empty()) {
            if (rest.front() != ':') {
                return core::Error{"--host '" + std::string(entry) +
                                   "': expected [IPv6 address]:port"};
            }
            port_text = rest.substr(1);
        }
    } else if (const auto colon = entry.find(':');
               colon != std::string_view::npos &&
               entry.find(':', colon + 1) == std::string_view::npos) {
        // One colon: host:port. More than one: a bare IPv6 address.
        host = entry.substr(0, colon);
        port_text = entry.substr(colon + 1);
        if (host.empty()) return core::Error{"--host '" + std::string(entry) + "': no host name"};
    }
    int port = default_port;
    if (!port_text.empty() || entry.back() == ':') {
        auto parsed = parse_port(port_text, entry);
        if (!parsed) return parsed.failure();
        port = parsed.value();
    }
    return net::BrokerAddress{std::string(host), port};
}

core::Result<std::vector<net::BrokerAddress>> parse_broker_list(
    const std::vector<std::string>& entries, int default_port) {
    std::vector<net::BrokerAddress> brokers;
    for (const std::string& value : entries) {
        std::string_view rest = value;
        while (true) {
            const auto comma = rest.find(',');
            auto address = parse_broker_address(rest.substr(0, comma), default_port);
            if (!address) return address.failure();
            brokers.push_back(std::move(address.value()));
            if (comma == std::string_view::npos) break;
            rest.remove_prefix(comma + 1);
        }
    }
    if (brokers.empty()) return core::Error{"--host: no broker given"};
    return brokers;
}

}  // namespace cmdlink::apps
