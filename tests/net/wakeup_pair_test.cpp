#include "net/wakeup_pair.hpp"

#include <gtest/gtest.h>
#include <mosquitto.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>
#include <thread>

#include "broker/private_broker.hpp"
#include "loop_guard.hpp"
#include "net/mosquitto_library.hpp"
#include "net/mqtt_connection.hpp"
#include "recording_listener.hpp"

namespace cmdlink::net {
namespace {

std::size_t open_descriptors() {
    std::size_t count = 0;
    for ([[maybe_unused]] const auto& entry :
         std::filesystem::directory_iterator("/proc/self/fd")) {
        ++count;
    }
    return count;
}

TEST(WakeupPair, AConnectedClientHoldsExactlyOneDescriptor) {
    MosquittoLibrary library;
    auto broker = broker::PrivateBroker::start({});
    ASSERT_TRUE(broker) << broker.error();
    auto loop = make_loop();
    RecordingListener listener;
    listener.when_connected = [&] { loop->stop(); };
    MqttOptions options;
    options.port = broker.value()->port();
    options.client_id = "wakeup-pair-test";
    options.clean_session = true;

    const std::size_t before = open_descriptors();
    auto connection = MqttConnection::create(*loop, options, listener);
    ASSERT_TRUE(connection) << connection.error();
    ASSERT_TRUE(connection.value()->connect());
    run_bounded(*loop);
    ASSERT_EQ(listener.connects, 1);
    EXPECT_EQ(open_descriptors(), before + 1) << "the socket and nothing else";
}

TEST(WakeupPair, SocketPairStillWorksForEverythingElse) {
    int pair[2] = {-1, -1};
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair), 0)
        << std::strerror(errno);
    const UniqueFd left(pair[0]);
    const UniqueFd right(pair[1]);
    const char sent = 'x';
    ASSERT_EQ(::write(left.get(), &sent, 1), 1);
    char received = 0;
    ASSERT_EQ(::read(right.get(), &received, 1), 1);
    EXPECT_EQ(received, 'x');
}

// Stands in for mosquitto_new: records what socketpair() does meanwhile, here and on
// another thread, then builds a real client.
struct PairProbe {
    static inline int own_result = 0;
    static inline int own_errno = 0;
    static inline int other_thread_result = -1;

    static mosquitto* construct(const char* id, bool clean_session, void* user_data) {
        std::thread other([] {
            int pair[2] = {-1, -1};
            other_thread_result = ::socketpair(AF_UNIX, SOCK_STREAM, 0, pair);
            if (other_thread_result == 0) {
                ::close(pair[0]);
                ::close(pair[1]);
            }
        });
        other.join();
        int pair[2] = {-1, -1};
        own_result = ::socketpair(AF_UNIX, SOCK_STREAM, 0, pair);
        own_errno = errno;
        return mosquitto_new(id, clean_session, user_data);
    }
};

TEST(WakeupPair, OnlyTheCreatingThreadIsRefusedAndOnlyDuringTheCall) {
    MosquittoLibrary library;
    auto created = new_mosquitto_without_wakeup_pair("probe", true, nullptr, &PairProbe::construct);
    ASSERT_TRUE(created) << created.error();
    mosquitto_destroy(created.value());
    EXPECT_EQ(PairProbe::own_result, -1);
    EXPECT_EQ(PairProbe::own_errno, EMFILE);
    EXPECT_EQ(PairProbe::other_thread_result, 0);
}

// A libmosquitto that, unlike 2.0, gives up when it cannot open its socket pair.
mosquitto* strict_mosquitto_new(const char* id, bool clean_session, void* user_data) {
    int pair[2] = {-1, -1};
    if (::socketpair(AF_UNIX, SOCK_STREAM, 0, pair) != 0) return nullptr;
    ::close(pair[0]);
    ::close(pair[1]);
    return mosquitto_new(id, clean_session, user_data);
}

TEST(WakeupPair, ALibmosquittoThatInsistsOnThePairGivesAClearError) {
    MosquittoLibrary library;
    auto created =
        new_mosquitto_without_wakeup_pair("strict", true, nullptr, &strict_mosquitto_new);
    ASSERT_FALSE(created);
    EXPECT_NE(created.error().find("wake-up socket pair"), std::string::npos) << created.error();
}

TEST(WakeupPair, APersistentSessionWithoutAClientIdGivesAClearError) {
    MosquittoLibrary library;
    auto created = new_mosquitto_without_wakeup_pair(nullptr, false, nullptr);
    ASSERT_FALSE(created);
    EXPECT_NE(created.error().find("client ID"), std::string::npos) << created.error();
}

}  // namespace
}  // namespace cmdlink::net
