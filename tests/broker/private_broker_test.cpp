#include "broker/private_broker.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <mosquitto.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "broker/loopback_port.hpp"
#include "os/text_file.hpp"
#include "os/unique_fd.hpp"

namespace cmdlink::broker {

using os::UniqueFd;
namespace {

using namespace std::chrono_literals;

constexpr auto kWaitLimit = 5s;

std::unique_ptr<PrivateBroker> start_broker(BrokerOptions options = {}) {
    auto started = PrivateBroker::start(std::move(options));
    EXPECT_TRUE(started.ok()) << (started.ok() ? "" : started.error());
    return started.ok() ? std::move(started.value()) : nullptr;
}

std::string read_file(const std::filesystem::path& path) {
    auto text = os::read_whole_file(path, "the file");
    return text ? std::move(text.value()) : std::string();
}

bool process_exists(pid_t pid) {
    return ::kill(pid, 0) == 0 || errno != ESRCH;
}

// A raw TCP connection to the broker, MQTT spoken by hand.
UniqueFd connect_tcp(int port) {
    UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd.valid()) return fd;
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
        return UniqueFd();
    }
    // A broken broker must fail the test, not hang it.
    timeval timeout{.tv_sec = 5, .tv_usec = 0};
    ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    return fd;
}

// Sends an MQTT 3.1.1 CONNECT and returns the CONNACK's four bytes (empty on failure).
std::vector<std::uint8_t> raw_mqtt_connect(int fd) {
    const std::string client_id = "cmdlink-raw";
    std::vector<std::uint8_t> packet = {0x10, 0,   0x00, 0x04, 'M',  'Q',
                                        'T',  'T', 0x04, 0x02, 0x00, 0x3c};
    packet.push_back(0x00);
    packet.push_back(static_cast<std::uint8_t>(client_id.size()));
    packet.insert(packet.end(), client_id.begin(), client_id.end());
    packet[1] = static_cast<std::uint8_t>(packet.size() - 2);
    if (::send(fd, packet.data(), packet.size(), MSG_NOSIGNAL) !=
        static_cast<ssize_t>(packet.size())) {
        return {};
    }
    std::vector<std::uint8_t> reply(4);
    std::size_t received = 0;
    while (received < reply.size()) {
        const ssize_t count = ::recv(fd, reply.data() + received, reply.size() - received, 0);
        if (count <= 0) return {};
        received += static_cast<std::size_t>(count);
    }
    return reply;
}

// libmosquitto must be initialised once around its use.
class LibMosquitto {
  public:
    LibMosquitto() { mosquitto_lib_init(); }
    LibMosquitto(const LibMosquitto&) = delete;
    LibMosquitto& operator=(const LibMosquitto&) = delete;
    ~LibMosquitto() { mosquitto_lib_cleanup(); }
};

struct Delivered {
    std::string topic;
    std::string payload;
    int qos = 0;
};

// A blocking libmosquitto client driven by mosquitto_loop(); records what its callbacks see.
class TestClient {
  public:
    TestClient(const std::string& client_id, bool clean_session)
        : handle_(mosquitto_new(client_id.c_str(), clean_session, this)) {
        if (!handle_) return;
        mosquitto_connect_callback_set(handle_.get(), [](mosquitto*, void* self, int code) {
            static_cast<TestClient*>(self)->connack_ = code;
        });
        mosquitto_subscribe_callback_set(handle_.get(),
                                         [](mosquitto*, void* self, int, int, const int*) {
                                             static_cast<TestClient*>(self)->subscribed_ = true;
                                         });
        mosquitto_publish_callback_set(handle_.get(), [](mosquitto*, void* self, int mid) {
            static_cast<TestClient*>(self)->acknowledged_.push_back(mid);
        });
        mosquitto_message_callback_set(handle_.get(), [](mosquitto*, void* self,
                                                         const mosquitto_message* message) {
            const auto* bytes = static_cast<const char*>(message->payload);
            static_cast<TestClient*>(self)->messages_.push_back(
                {message->topic, std::string(bytes, bytes + message->payloadlen), message->qos});
        });
        mosquitto_disconnect_callback_set(handle_.get(), [](mosquitto*, void* self, int) {
            static_cast<TestClient*>(self)->disconnected_ = true;
        });
    }
    TestClient(const TestClient&) = delete;
    TestClient& operator=(const TestClient&) = delete;

    bool valid() const { return handle_ != nullptr; }

    // Connects and waits for the CONNACK; the value is its return code.
    std::optional<int> connect(const PrivateBroker& broker, const std::string& username = {},
                               const std::string& password = {}) {
        if (!username.empty() && mosquitto_username_pw_set(handle_.get(), username.c_str(),
                                                           password.c_str()) != MOSQ_ERR_SUCCESS) {
            return std::nullopt;
        }
        if (mosquitto_connect(handle_.get(), broker.host().c_str(), broker.port(), 10) !=
            MOSQ_ERR_SUCCESS) {
            return std::nullopt;
        }
        run_until([this] { return connack_.has_value(); });
        return connack_;
    }

    bool subscribe(const std::string& topic, int qos) {
        return mosquitto_subscribe(handle_.get(), nullptr, topic.c_str(), qos) ==
                   MOSQ_ERR_SUCCESS &&
               run_until([this] { return subscribed_; });
    }

    // Publishes and waits for the broker's acknowledgement.
    bool publish(const std::string& topic, const std::string& payload, int qos) {
        int mid = 0;
        if (mosquitto_publish(handle_.get(), &mid, topic.c_str(), static_cast<int>(payload.size()),
                              payload.data(), qos, false) != MOSQ_ERR_SUCCESS) {
            return false;
        }
        return run_until([this, mid] {
            return std::find(acknowledged_.begin(), acknowledged_.end(), mid) !=
                   acknowledged_.end();
        });
    }

    bool disconnect() {
        return mosquitto_disconnect(handle_.get()) == MOSQ_ERR_SUCCESS &&
               run_until([this] { return disconnected_; });
    }

    bool run_until(const std::function<bool()>& done) {
        const auto deadline = std::chrono::steady_clock::now() + kWaitLimit;
        while (!done()) {
            if (std::chrono::steady_clock::now() >= deadline) return false;
            if (mosquitto_loop(handle_.get(), 20, 1) != MOSQ_ERR_SUCCESS) {
                // Connection gone (e.g. refused): the callbacks have already run.
                if (done()) return true;
                std::this_thread::sleep_for(10ms);
            }
        }
        return true;
    }

    const std::vector<Delivered>& messages() const { return messages_; }

  private:
    struct Destroy {
        void operator()(mosquitto* handle) const { mosquitto_destroy(handle); }
    };

    std::unique_ptr<mosquitto, Destroy> handle_;
    std::optional<int> connack_;
    bool subscribed_ = false;
    bool disconnected_ = false;
    std::vector<int> acknowledged_;
    std::vector<Delivered> messages_;
};

TEST(FindMosquitto, FindsTheInstalledBroker) {
    auto found = find_mosquitto();
    ASSERT_TRUE(found.ok()) << found.error();
    EXPECT_TRUE(std::filesystem::exists(found.value()));
}

TEST(FindMosquitto, MissingExecutableSaysHowToInstall) {
    auto found = find_mosquitto("cmdlink-no-such-mosquitto");
    ASSERT_FALSE(found.ok());
    EXPECT_NE(found.error().find("cmdlink-no-such-mosquitto"), std::string::npos);
    EXPECT_NE(found.error().find("sudo apt-get install mosquitto"), std::string::npos);
}

TEST(PrivateBroker, StartWithMissingExecutableFailsWithClearError) {
    BrokerOptions options;
    options.executable = "/nonexistent/cmdlink/mosquitto";
    auto started = PrivateBroker::start(options);
    ASSERT_FALSE(started.ok());
    EXPECT_NE(started.error().find("/nonexistent/cmdlink/mosquitto"), std::string::npos);
    EXPECT_NE(started.error().find("apt-get install mosquitto"), std::string::npos);
}

TEST(PrivateBroker, AcceptsRawMqttConnectOverTcp) {
    auto broker = start_broker();
    ASSERT_NE(broker, nullptr);
    EXPECT_EQ(broker->host(), "127.0.0.1");
    EXPECT_GT(broker->port(), 0);
    EXPECT_GT(broker->pid(), 0);

    UniqueFd socket = connect_tcp(broker->port());
    ASSERT_TRUE(socket.valid());
    const std::vector<std::uint8_t> connack = raw_mqtt_connect(socket.get());
    EXPECT_EQ(connack, (std::vector<std::uint8_t>{0x20, 0x02, 0x00, 0x00}));
}

TEST(PrivateBroker, TwoBrokersGetDifferentPorts) {
    auto first = start_broker();
    auto second = start_broker();
    ASSERT_NE(first, nullptr);
    ASSERT_NE(second, nullptr);
    EXPECT_NE(first->port(), second->port());
    EXPECT_NE(first->directory(), second->directory());
    EXPECT_TRUE(connect_tcp(first->port()).valid());
    EXPECT_TRUE(connect_tcp(second->port()).valid());
}

TEST(PrivateBroker, ConfigRunsAsUsAndListensOnLoopbackWithoutNagle) {
    BrokerOptions options;
    options.acl_file_text = "topic readwrite #\n";
    options.extra_config = "max_keepalive 120";
    auto broker = start_broker(options);
    ASSERT_NE(broker, nullptr);

    const std::string config = read_file(broker->directory() / "mosquitto.conf");
    EXPECT_NE(config.find("listener " + std::to_string(broker->port()) + " 127.0.0.1\n"),
              std::string::npos);
    EXPECT_NE(config.find("set_tcp_nodelay true\n"), std::string::npos);
    EXPECT_NE(config.find("max_queued_messages 100000\n"), std::string::npos);
    EXPECT_NE(config.find("allow_anonymous true\n"), std::string::npos);
    EXPECT_NE(config.find("acl_file "), std::string::npos);
    EXPECT_NE(config.find("\nmax_keepalive 120\n"), std::string::npos);
    EXPECT_EQ(read_file(broker->directory() / "acl"), options.acl_file_text);
    if (::geteuid() == 0) {
        EXPECT_NE(config.find("\nuser root\n"), std::string::npos);
    }
}

TEST(PrivateBroker, AcceptsRightPasswordAndRefusesWrongOne) {
    BrokerOptions options;
    options.users = {{"alice", "right-password"}, {"bob", "other-password"}};
    auto broker = start_broker(options);
    ASSERT_NE(broker, nullptr);
    LibMosquitto library;

    TestClient alice("cmdlink-test-alice", true);
    ASSERT_TRUE(alice.valid());
    EXPECT_EQ(alice.connect(*broker, "alice", "right-password"), 0);

    TestClient bob("cmdlink-test-bob", true);
    EXPECT_EQ(bob.connect(*broker, "bob", "other-password"), 0);

    TestClient intruder("cmdlink-test-intruder", true);
    const std::optional<int> refused = intruder.connect(*broker, "alice", "wrong-password");
    ASSERT_TRUE(refused.has_value());
    EXPECT_NE(*refused, 0);

    TestClient anonymous("cmdlink-test-anonymous", true);
    const std::optional<int> anonymous_code = anonymous.connect(*broker);
    ASSERT_TRUE(anonymous_code.has_value());
    EXPECT_NE(*anonymous_code, 0);
}

TEST(PrivateBroker, QueuedQos1MessageSurvivesStopAndRestart) {
    BrokerOptions options;
    options.persistence = true;
    auto broker = start_broker(options);
    ASSERT_NE(broker, nullptr);
    LibMosquitto library;
    const std::string client_id = "cmdlink-test-persistent";
    const std::string topic = "cmdlink/test/persistence";

    {
        TestClient subscriber(client_id, false);
        ASSERT_EQ(subscriber.connect(*broker), 0);
        ASSERT_TRUE(subscriber.subscribe(topic, 1));
        ASSERT_TRUE(subscriber.disconnect());
    }
    {
        TestClient publisher("cmdlink-test-publisher", true);
        ASSERT_EQ(publisher.connect(*broker), 0);
        ASSERT_TRUE(publisher.publish(topic, "kept across restart", 1));
        ASSERT_TRUE(publisher.disconnect());
    }

    const int port = broker->port();
    auto stopped = broker->stop();
    ASSERT_TRUE(stopped.ok()) << stopped.error();
    EXPECT_TRUE(stopped.value());
    EXPECT_FALSE(broker->running());
    EXPECT_TRUE(std::filesystem::exists(broker->directory() / "mosquitto.db"));
    auto restarted = broker->restart();
    ASSERT_TRUE(restarted.ok()) << restarted.error();
    EXPECT_EQ(broker->port(), port);

    TestClient subscriber(client_id, false);
    ASSERT_EQ(subscriber.connect(*broker), 0);
    ASSERT_TRUE(subscriber.run_until([&] { return !subscriber.messages().empty(); }))
        << broker->log_tail();
    EXPECT_EQ(subscriber.messages().front().topic, topic);
    EXPECT_EQ(subscriber.messages().front().payload, "kept across restart");
    EXPECT_EQ(subscriber.messages().front().qos, 1);
}

TEST(PrivateBroker, RestartsOnTheSamePortAfterKill) {
    auto broker = start_broker();
    ASSERT_NE(broker, nullptr);
    const int port = broker->port();
    const pid_t old_pid = broker->pid();

    broker->kill();
    EXPECT_FALSE(broker->running());
    EXPECT_EQ(broker->pid(), 0);
    EXPECT_FALSE(process_exists(old_pid));

    auto restarted = broker->restart();
    ASSERT_TRUE(restarted.ok()) << restarted.error();
    EXPECT_EQ(broker->port(), port);
    EXPECT_GT(broker->pid(), 0);
    UniqueFd socket = connect_tcp(port);
    ASSERT_TRUE(socket.valid());
    EXPECT_EQ(raw_mqtt_connect(socket.get()), (std::vector<std::uint8_t>{0x20, 0x02, 0x00, 0x00}));
}

TEST(PrivateBroker, RestartWaitsBrieflyForItsPortToBeFreed) {
    auto broker = start_broker();
    ASSERT_NE(broker, nullptr);
    broker->kill();

    // Another program listens on the broker's port for a moment.
    UniqueFd squatter(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    ASSERT_TRUE(squatter.valid());
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(broker->port()));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::bind(squatter.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address),
              0);
    ASSERT_EQ(::listen(squatter.get(), 1), 0);
    std::thread release([&squatter] {
        std::this_thread::sleep_for(150ms);
        squatter.reset();
    });

    auto restarted = broker->restart();
    release.join();
    ASSERT_TRUE(restarted.ok()) << restarted.error();
    EXPECT_EQ(process_listens_on(broker->pid(), broker->port()), true);
}

TEST(LoopbackPort, OnlyTheBrokerOwnsItsListeningSocket) {
    auto broker = start_broker();
    ASSERT_NE(broker, nullptr);
    EXPECT_EQ(process_listens_on(broker->pid(), broker->port()), true);
    EXPECT_EQ(process_listens_on(::getpid(), broker->port()), false);
    EXPECT_TRUE(loopback_port_accepts(broker->port()));
}

TEST(PrivateBroker, StopOfStoppedBrokerReportsNothingToStop) {
    auto broker = start_broker();
    ASSERT_NE(broker, nullptr);
    auto first = broker->stop();
    ASSERT_TRUE(first.ok()) << first.error();
    EXPECT_TRUE(first.value());
    auto second = broker->stop();
    ASSERT_TRUE(second.ok()) << second.error();
    EXPECT_FALSE(second.value());
}

TEST(PrivateBroker, DestructorStopsBrokerAndRemovesDirectory) {
    BrokerOptions options;
    options.persistence = true;
    auto broker = start_broker(options);
    ASSERT_NE(broker, nullptr);
    const std::filesystem::path directory = broker->directory();
    const pid_t pid = broker->pid();
    ASSERT_TRUE(std::filesystem::is_directory(directory));

    broker.reset();
    EXPECT_FALSE(std::filesystem::exists(directory));
    EXPECT_FALSE(process_exists(pid));
}

TEST(PrivateBroker, BadExtraConfigFailsWithBrokerOutput) {
    BrokerOptions options;
    options.extra_config = "cmdlink_no_such_option true\n";
    auto started = PrivateBroker::start(options);
    ASSERT_FALSE(started.ok());
    EXPECT_NE(started.error().find("cmdlink_no_such_option"), std::string::npos) << started.error();
}

TEST(PrivateBroker, VerboseLogGoesToLogFile) {
    BrokerOptions options;
    options.verbose_log = true;
    auto broker = start_broker(options);
    ASSERT_NE(broker, nullptr);
    // A verbose broker logs its start-up; the default one logs only errors and warnings.
    EXPECT_NE(broker->log_tail(50).find("mosquitto version"), std::string::npos)
        << broker->log_tail(50);
}

}  // namespace
}  // namespace cmdlink::broker
