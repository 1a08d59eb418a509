#include "apps/commands/broker_list.hpp"

#include <charconv>

namespace cmdlink::apps {
namespace {

std::string quoted(std::string_view flag, std::string_view entry) {
    return std::string(flag) + " '" + std::string(entry) + "'";
}

core::Result<int> parse_port(std::string_view text, std::string_view flag, std::string_view entry) {
    int port = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), port);
    if (error != std::errc() || end != text.data() + text.size() || port < 1 || port > 65535) {
        return core::Error{quoted(flag, entry) + ": the port must be a number from 1 to 65535"};
    }
    return port;
}

// `host`, `host:port`, `::1`, `[::1]` or `[::1]:port`; `entry` is the whole text, for messages.
core::Result<BrokerEntry> parse_host_port(std::string_view text, std::string_view flag,
                                          std::string_view entry) {
    std::string_view host = text;
    std::string_view port_text;
    if (!text.empty() && text.front() == '[') {
        const auto close = text.find(']');
        if (close == std::string_view::npos || close == 1) {
            return core::Error{quoted(flag, entry) + ": expected [IPv6 address]:port"};
        }
        host = text.substr(1, close - 1);
        const std::string_view rest = text.substr(close + 1);
        if (!rest.empty()) {
            if (rest.front() != ':') {
                return core::Error{quoted(flag, entry) + ": expected [IPv6 address]:port"};
            }
            port_text = rest.substr(1);
        }
    } else if (const auto colon = text.find(':');
               colon != std::string_view::npos &&
               text.find(':', colon + 1) == std::string_view::npos) {
        // One colon: host:port. More than one: a bare IPv6 address.
        host = text.substr(0, colon);
        port_text = text.substr(colon + 1);
    }
    if (host.empty()) return core::Error{quoted(flag, entry) + ": no host name"};
    BrokerEntry parsed{std::string(entry), std::string(host), std::nullopt, std::nullopt,
                       std::nullopt};
    if (!port_text.empty() || text.back() == ':') {
        auto port = parse_port(port_text, flag, entry);
        if (!port) return port.failure();
        parsed.port = port.value();
    }
    return parsed;
}

core::Result<BrokerEntry> parse_url(std::string_view entry, std::string_view flag) {
    const auto scheme_end = entry.find("://");
    const std::string_view scheme = entry.substr(0, scheme_end);
    if (scheme != "mqtt" && scheme != "mqtts") {
        return core::Error{
            quoted(flag, entry) + ": the scheme must be mqtt:// or mqtts://" +
            (scheme == "ws" || scheme == "wss" ? " (WebSockets are not supported)" : "")};
    }
    std::string_view rest = entry.substr(scheme_end + 3);
    // A topic has no place here (the protocol fixes ours); a lone trailing slash is harmless.
    if (const auto slash = rest.find('/'); slash != std::string_view::npos) {
        if (slash + 1 != rest.size()) {
            return core::Error{quoted(flag, entry) +
                               ": no path or topic after the host, cmdlink's topics are fixed"};
        }
        rest = rest.substr(0, slash);
    }
    std::optional<std::string> username;
    if (const auto at = rest.rfind('@'); at != std::string_view::npos) {
        const std::string_view user = rest.substr(0, at);
        if (user.find(':') != std::string_view::npos) {
            return core::Error{quoted(flag, entry) +
                               ": no password in the URL (anyone can read it in the process "
                               "list): use --password-file or CMDLINK_PASSWORD"};
        }
        if (user.empty()) return core::Error{quoted(flag, entry) + ": no user name before '@'"};
        username = std::string(user);
        rest = rest.substr(at + 1);
    }
    auto parsed = parse_host_port(rest, flag, entry);
    if (!parsed) return parsed;
    parsed.value().tls = scheme == "mqtts";
    parsed.value().username = std::move(username);
    return parsed;
}

std::string port_text(const std::optional<int>& port) {
    return port ? std::to_string(*port) : std::string("none");
}

}  // namespace

core::Result<BrokerEntry> parse_broker_entry(std::string_view entry, std::string_view flag) {
    if (entry.empty() || entry.find_first_of(" \t") != std::string_view::npos) {
        return core::Error{quoted(flag, entry) + ": expected host or host:port, without blanks"};
    }
    if (entry.find("://") != std::string_view::npos) return parse_url(entry, flag);
    return parse_host_port(entry, flag, entry);
}

core::Result<std::vector<BrokerEntry>> parse_broker_entries(const std::vector<std::string>& values,
                                                            std::string_view flag) {
    std::vector<BrokerEntry> entries;
    for (const std::string& value : values) {
        std::string_view rest = value;
        while (true) {
            const auto comma = rest.find(',');
            auto entry = parse_broker_entry(rest.substr(0, comma), flag);
            if (!entry) return entry.failure();
            entries.push_back(std::move(entry.value()));
            if (comma == std::string_view::npos) break;
            rest.remove_prefix(comma + 1);
        }
    }
    if (entries.empty()) return core::Error{std::string(flag) + ": no broker given"};
    return entries;
}

core::Result<BrokerTarget> resolve_brokers(const std::vector<BrokerEntry>& entries,
                                           std::optional<int> port, bool tls_flags,
                                           std::string_view flag) {
    if (entries.empty()) return core::Error{std::string(flag) + ": no broker given"};
    BrokerTarget target;
    std::optional<bool> scheme_tls;
    const BrokerEntry* scheme_entry = nullptr;
    const BrokerEntry* user_entry = nullptr;
    for (const BrokerEntry& entry : entries) {
        if (entry.tls) {
            if (scheme_tls && *scheme_tls != *entry.tls) {
                return core::Error{quoted(flag, scheme_entry->text) + " and '" + entry.text +
                                   "': one connection is either TLS (mqtts://) or not (mqtt://)"};
            }
            scheme_tls = entry.tls;
            scheme_entry = &entry;
        }
        if (entry.username) {
            if (target.username && *target.username != *entry.username) {
                return core::Error{quoted(flag, user_entry->text) + " and '" + entry.text +
                                   "' name different user names"};
            }
            target.username = entry.username;
            user_entry = &entry;
        }
        if (entry.port && port && *entry.port != *port) {
            return core::Error{quoted(flag, entry.text) + " says port " + port_text(entry.port) +
                               " but --port says " + port_text(port) + ": give the port once"};
        }
    }
    if (scheme_tls == false && tls_flags) {
        return core::Error{quoted(flag, scheme_entry->text) +
                           ": mqtt:// is without TLS, but --tls, --cafile or --cert ask for TLS: "
                           "use mqtts://"};
    }
    target.tls = tls_flags || scheme_tls == true;
    const int default_port = port.value_or(target.tls ? 8883 : 1883);
    for (const BrokerEntry& entry : entries) {
        target.brokers.push_back({entry.host, entry.port.value_or(default_port)});
    }
    return target;
}

core::Result<net::BrokerAddress> parse_broker_address(std::string_view entry, int default_port) {
    if (entry.find("://") != std::string_view::npos) {
        return core::Error{quoted("--host", entry) + ": expected host or host:port"};
    }
    auto parsed = parse_broker_entry(entry);
    if (!parsed) return parsed.failure();
    return net::BrokerAddress{parsed.value().host, parsed.value().port.value_or(default_port)};
}

core::Result<std::vector<net::BrokerAddress>> parse_broker_list(
    const std::vector<std::string>& entries, int default_port) {
    auto parsed = parse_broker_entries(entries);
    if (!parsed) return parsed.failure();
    std::vector<net::BrokerAddress> brokers;
    for (const BrokerEntry& entry : parsed.value()) {
        brokers.push_back({entry.host, entry.port.value_or(default_port)});
    }
    return brokers;
}

}  // namespace cmdlink::apps
