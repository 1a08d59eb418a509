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

TEST(BrokerEntries, UrlsGiveSchemeUserHostAndPort) {
    auto entries = parse_broker_entries({"mqtt://alice@a:1884,mqtts://b/", "c"});
    ASSERT_TRUE(entries) << entries.error();
    ASSERT_EQ(entries.value().size(), 3U);
    const BrokerEntry& first = entries.value()[0];
    EXPECT_EQ(first.host, "a");
    EXPECT_EQ(first.port, 1884);
    EXPECT_EQ(first.tls, false);
    EXPECT_EQ(first.username, "alice");
    const BrokerEntry& second = entries.value()[1];
    EXPECT_EQ(second.host, "b");
    EXPECT_EQ(second.port, std::nullopt);
    EXPECT_EQ(second.tls, true);
    EXPECT_EQ(second.username, std::nullopt);
    EXPECT_EQ(entries.value()[2].tls, std::nullopt);
}

TEST(BrokerEntries, IPv6InAUrlIsInBrackets) {
    auto entry = parse_broker_entry("mqtt://[::1]:1884");
    ASSERT_TRUE(entry) << entry.error();
    EXPECT_EQ(entry.value().host, "::1");
    EXPECT_EQ(entry.value().port, 1884);
}

std::string entry_error(std::string_view entry) {
    auto parsed = parse_broker_entry(entry, "-L/--url");
    return parsed ? std::string("accepted") : parsed.error();
}

TEST(BrokerEntries, BadUrlsAreRefusedNamingThem) {
    EXPECT_EQ(entry_error("ws://a"),
              "-L/--url 'ws://a': the scheme must be mqtt:// or mqtts:// (WebSockets are not "
              "supported)");
    EXPECT_EQ(entry_error("http://a"),
              "-L/--url 'http://a': the scheme must be mqtt:// or mqtts://");
    EXPECT_EQ(entry_error("mqtt://a/topic"),
              "-L/--url 'mqtt://a/topic': no path or topic after the host, cmdlink's topics are "
              "fixed");
    EXPECT_EQ(entry_error("mqtt://u:secret@a"),
              "-L/--url 'mqtt://u:secret@a': no password in the URL (anyone can read it in the "
              "process list): use --password-file or CMDLINK_PASSWORD");
    EXPECT_EQ(entry_error("mqtt://@a"), "-L/--url 'mqtt://@a': no user name before '@'");
    EXPECT_EQ(entry_error("mqtt://"), "-L/--url 'mqtt://': no host name");
    EXPECT_EQ(entry_error("mqtt://a:x"),
              "-L/--url 'mqtt://a:x': the port must be a number from 1 to 65535");
}

TEST(ResolveBrokers, PortsComeFromTheEntryThenPortThenTheScheme) {
    auto entries = parse_broker_entries({"a,b:1884"});
    ASSERT_TRUE(entries);
    auto plain = resolve_brokers(entries.value(), std::nullopt, false);
    ASSERT_TRUE(plain) << plain.error();
    EXPECT_EQ(plain.value().brokers, (Brokers{{"a", 1883}, {"b", 1884}}));
    auto with_tls = resolve_brokers(entries.value(), std::nullopt, true);
    ASSERT_TRUE(with_tls);
    EXPECT_EQ(with_tls.value().brokers, (Brokers{{"a", 8883}, {"b", 1884}}));
    EXPECT_TRUE(with_tls.value().tls);
    auto entries_with_port = parse_broker_entries({"a"});
    ASSERT_TRUE(entries_with_port);
    auto with_port = resolve_brokers(entries_with_port.value(), 1999, false);
    ASSERT_TRUE(with_port);
    EXPECT_EQ(with_port.value().brokers, (Brokers{{"a", 1999}}));
}

TEST(ResolveBrokers, MixedSchemesAndUsersAreRefused) {
    auto schemes = parse_broker_entries({"mqtt://a,mqtts://b"});
    ASSERT_TRUE(schemes);
    auto mixed = resolve_brokers(schemes.value(), std::nullopt, false);
    ASSERT_FALSE(mixed);
    EXPECT_EQ(mixed.error(),
              "--host 'mqtt://a' and 'mqtts://b': one connection is either TLS (mqtts://) or not "
              "(mqtt://)");
    auto users = parse_broker_entries({"mqtt://x@a,mqtt://y@b"});
    ASSERT_TRUE(users);
    auto two_users = resolve_brokers(users.value(), std::nullopt, false);
    ASSERT_FALSE(two_users);
    EXPECT_EQ(two_users.error(), "--host 'mqtt://x@a' and 'mqtt://y@b' name different user names");
}

TEST(BrokerAddressText, BracketsAnIPv6Address) {
    EXPECT_EQ(net::to_string({"127.0.0.1", 1883}), "127.0.0.1:1883");
    EXPECT_EQ(net::to_string({"::1", 1884}), "[::1]:1884");
}

}  // namespace
}  // namespace cmdlink::apps
