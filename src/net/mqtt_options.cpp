#include "net/mqtt_options.hpp"

namespace cmdlink::net {

std::string to_string(const BrokerAddress& address) {
    const bool ipv6 = address.host.find(':') != std::string::npos;
    return (ipv6 ? "[" + address.host + "]" : address.host) + ":" + std::to_string(address.port);
}

std::vector<BrokerAddress> brokers_of(const MqttOptions& options) {
    std::vector<BrokerAddress> brokers;
    brokers.reserve(1 + options.failover.size());
    brokers.push_back({options.host, options.port});
    brokers.insert(brokers.end(), options.failover.begin(), options.failover.end());
    return brokers;
}

std::string describe_brokers(const MqttOptions& options) {
    std::string text;
    for (const BrokerAddress& broker : brokers_of(options)) {
        if (!text.empty()) text += ", ";
        text += to_string(broker);
    }
    return text;
}

}  // namespace cmdlink::net
