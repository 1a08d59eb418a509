// What an MQTT 5 broker says about shared subscriptions, from a scripted broker that sends
// exactly the packets a test gives it: Mosquitto never sends them (ejabberd does).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "loop_guard.hpp"
#include "net/mosquitto_library.hpp"
#include "net/mqtt_connection.hpp"
#include "recording_listener.hpp"

namespace cmdlink::net {
namespace {

using Bytes = std::vector<std::uint8_t>;

// A CONNACK of MQTT 5, with no properties.
const Bytes kConnack{0x20, 0x03, 0x00, 0x00, 0x00};
// A CONNACK of MQTT 5 with "Shared Subscription Available" (0x2A) = 0.
const Bytes kConnackWithoutSharing{0x20, 0x05, 0x00, 0x00, 0x02, 0x2A, 0x00};
// A DISCONNECT of MQTT 5, reason 0x9E: shared subscriptions not supported.
const Bytes kDisconnectNoSharing{0xE0, 0x01, 0x9E};

// Accepts connections on 127.0.0.1 in a thread of its own; to each, once it has read the
// CONNECT packet, it writes `script` and then waits for the client to close.
class ScriptedBroker {
  public:
    explicit ScriptedBroker(Bytes script) : script_(std::move(script)) {
        listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t length = sizeof address;
        const bool listening =
            listener_ >= 0 &&
            ::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
            ::listen(listener_, 8) == 0 &&
            ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length) == 0;
        EXPECT_TRUE(listening) << "cannot listen on 127.0.0.1";
        port_ = ntohs(address.sin_port);
        thread_ = std::thread([this] { serve(); });
    }
    ~ScriptedBroker() {
        ::shutdown(listener_, SHUT_RDWR);
        thread_.join();
        ::close(listener_);
    }
    ScriptedBroker(const ScriptedBroker&) = delete;
    ScriptedBroker& operator=(const ScriptedBroker&) = delete;

    [[nodiscard]] int port() const { return port_; }
    [[nodiscard]] int accepted() const { return accepted_.load(); }

  private:
    void serve() {
        for (;;) {
            const int peer = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
            if (peer < 0) return;  // shut down
            ++accepted_;
            if (read_packet(peer)) {
                EXPECT_EQ(::write(peer, script_.data(), script_.size()),
                          static_cast<ssize_t>(script_.size()));
                char sink[256];
                while (::read(peer, sink, sizeof sink) > 0) {
                }
            }
            ::close(peer);
        }
    }

    // Reads one MQTT packet (fixed header, variable length, body); false if the peer left.
    static bool read_packet(int fd) {
        std::uint8_t byte = 0;
        if (::read(fd, &byte, 1) != 1) return false;
        std::size_t remaining = 0;
        for (int shift = 0; shift < 28; shift += 7) {
            if (::read(fd, &byte, 1) != 1) return false;
            remaining |= static_cast<std::size_t>(byte & 0x7F) << shift;
            if ((byte & 0x80) == 0) break;
        }
        std::vector<char> body(remaining);
        std::size_t got = 0;
        while (got < remaining) {
            const ssize_t n = ::read(fd, body.data() + got, remaining - got);
            if (n <= 0) return false;
            got += static_cast<std::size_t>(n);
        }
        return true;
    }

    Bytes script_;
    int listener_ = -1;
    int port_ = 0;
    std::atomic<int> accepted_{0};
    std::thread thread_;
};

class BrokerRefusal : public ::testing::Test {
  protected:
    std::unique_ptr<MqttConnection> connect_to(const ScriptedBroker& broker) {
        MqttOptions options;
        options.port = broker.port();
        options.client_id = "refusal-test";
        options.clean_session = true;
        options.version = MqttVersion::kV5;
        auto created = MqttConnection::create(*loop_, options, listener_);
        EXPECT_TRUE(created) << created.error();
        if (!created) return nullptr;
        auto connected = created.value()->connect();
        EXPECT_TRUE(connected) << connected.error();
        return std::move(created.value());
    }

    MosquittoLibrary library_;
    std::unique_ptr<EventLoop> loop_ = make_loop();
    RecordingListener listener_;
};

TEST_F(BrokerRefusal, ADisconnectSayingSharedSubscriptionsAreNotSupportedEndsTheConnection) {
    Bytes script = kConnack;
    script.insert(script.end(), kDisconnectNoSharing.begin(), kDisconnectNoSharing.end());
    ScriptedBroker broker(script);
    auto connection = connect_to(broker);
    ASSERT_NE(connection, nullptr);
    listener_.when_closed = [&] { loop_->stop(); };
    run_bounded(*loop_);
    ASSERT_EQ(listener_.refusals.size(), 1U);
    EXPECT_NE(listener_.refusals.front().find("0x9E"), std::string::npos)
        << listener_.refusals.front();
    EXPECT_EQ(listener_.closes, 1);
    EXPECT_TRUE(listener_.losses.empty()) << listener_.losses.front();
    // Closed for good: nothing is left that could reconnect.
    EXPECT_EQ(connection->stats().reconnects, 0U);
    EXPECT_FALSE(connection->connected());
    EXPECT_EQ(broker.accepted(), 1);
}

TEST_F(BrokerRefusal, AConnackWithoutSharedSubscriptionsIsReported) {
    ScriptedBroker broker(kConnackWithoutSharing);
    auto connection = connect_to(broker);
    ASSERT_NE(connection, nullptr);
    bool available = true;
    listener_.when_connected = [&] {
        available = connection->shared_subscriptions_available();
        connection->disconnect();
    };
    listener_.when_closed = [&] { loop_->stop(); };
    run_bounded(*loop_);
    EXPECT_EQ(listener_.connects, 1);
    EXPECT_FALSE(available);
}

TEST_F(BrokerRefusal, AConnackWithoutThePropertyOffersSharedSubscriptions) {
    ScriptedBroker broker(kConnack);
    auto connection = connect_to(broker);
    ASSERT_NE(connection, nullptr);
    bool available = false;
    listener_.when_connected = [&] {
        available = connection->shared_subscriptions_available();
        connection->disconnect();
    };
    listener_.when_closed = [&] { loop_->stop(); };
    run_bounded(*loop_);
    EXPECT_EQ(listener_.connects, 1);
    EXPECT_TRUE(available);
}

}  // namespace
}  // namespace cmdlink::net
