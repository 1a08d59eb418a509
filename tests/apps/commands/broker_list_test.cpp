#include "apps/commands/broker_list.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace cmdlink::apps {
namespace {

using Brokers = std::vector<net::BrokerAddress>;

Brokers parsed(const std::vector<std::string>& entries, int default_port = 1883) {
    auto brokers = parse_broker_list(entries, default_port);
    EXPECT_TRUE(brokers) << brokers.error();
    return brokers ? brokers.value() : Brokers{};
}

std::string error_for(const std::vector<std::string>& entries) {
    auto brokers = parse_broker_list(entries, 1883);
    if (brokers) {
        ADD_FAILURE() << "accepted";
        return {};
    }
    return brokers.error();
}

TEST(BrokerList, AHostAloneTakesTheDefaultPort) {
    EXPECT_EQ(parsed({"broker.example"}, 8883), (Brokers{{"broker.example", 8883}}));
}

TEST(BrokerList, AHostWithAPortKeepsItsOwn) {
    EXPECT_EQ(parsed({"127.0.0.1:1884"}), (Brokers{{"127.0.0.1", 1884}}));
}

TEST(BrokerList, RepeatedFlagsAndCommaListsKeepTheirOrder) {
    EXPECT_EQ(parsed({"a,b:1884", "c"}), (Brokers{{"a", 1883}, {"b", 1884}, {"c", 1883}}));
}

TEST(BrokerList, IPv6AddressesAreBareOrInBrackets) {
    EXPECT_EQ(parsed({"::1", "[::1]", "[::1]:1884"}),
              (Brokers{{"::1", 1883}, {"::1", 1883}, {"::1", 1884}}));
}

TEST(BrokerList, BadEntriesAreRefusedNamingThem) {
    EXPECT_EQ(error_for({"a:0"}), "--host 'a:0': the port must be a number from 1 to 65535");
    EXPECT_EQ(error_for({"a:65536"}),
              "--host 'a:65536': the port must be a number from 1 to 65535");
    EXPECT_EQ(error_for({"a:x"}), "--host 'a:x': the port must be a number from 1 to 65535");
    EXPECT_EQ(error_for({"a:"}), "--host 'a:': the port must be a number from 1 to 65535");
    EXPECT_EQ(error_for({":1883"}), "--host ':1883': no host name");
    EXPECT_EQ(error_for({"a,,b"}), "--host '': expected host or host:port, without blanks");
    EXPECT_EQ(error_for({"a b"}), "--host 'a b': expected host or host:port, without blanks");
    EXPECT_EQ(error_for({"[::1"}), "--host '[::1': expected [IPv6 address]:port");
    EXPECT_EQ(error_for({"[::1]1884"}), "--host '[::1]1884': expected [IPv6 address]:port");
    EXPECT_EQ(error_for({}), "--host: no broker given");
}

TEST(BrokerAddressText, BracketsAnIPv6Address) {
    EXPECT_EQ(net::to_string({"127.0.0.1", 1883}), "127.0.0.1:1883");
    EXPECT_EQ(net::to_string({"::1", 1884}), "[::1]:1884");
}

}  // namespace
}  // namespace cmdlink::apps
