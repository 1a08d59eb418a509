// The floor for reply latency: the least a libmosquitto client can do to answer commands,
// driven by libmosquitto's own loop, with no state machine, no logging and no checks.
// Usage: floor_client PORT USER_ID
#include <mosquitto.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>

namespace {

constexpr std::array<std::pair<std::string_view, std::string_view>, 7> kTable = {{
    {"CMD1", "Apple"},
    {"CMD2", "Cat"},
    {"CMD3", "Dog"},
    {"CMD4", "Rat"},
    {"CMD5", "Boy"},
    {"CMD6", "Girl"},
    {"CMD7", "Toy"},
}};

struct Floor {
    std::string user_id;
    std::string uuid_topic;
    std::string session_id;
    std::string reply_topic;
    int exit_code = 1;
};

void on_connect(mosquitto* mosq, void* data, int rc) {
    auto& floor = *static_cast<Floor*>(data);
    if (rc != 0) return;
    mosquitto_subscribe(mosq, nullptr, floor.uuid_topic.c_str(), 2);
}

void on_subscribe(mosquitto* mosq, void* data, int /*mid*/, int /*count*/, const int* /*qos*/) {
    auto& floor = *static_cast<Floor*>(data);
    if (floor.session_id.empty()) {
        mosquitto_publish(mosq, nullptr, "login", static_cast<int>(floor.user_id.size()),
                          floor.user_id.data(), 2, false);
    }
}

void on_message(mosquitto* mosq, void* data, const mosquitto_message* message) {
    auto& floor = *static_cast<Floor*>(data);
    const std::string_view payload(static_cast<const char*>(message->payload),
                                   static_cast<std::size_t>(message->payloadlen));
    if (floor.session_id.empty()) {
        floor.session_id.assign(payload);
        mosquitto_subscribe(mosq, nullptr, floor.session_id.c_str(), 2);
        return;
    }
    if (payload == "Well done my IoT!") {
        floor.exit_code = 0;
        mosquitto_disconnect(mosq);
        return;
    }
    for (const auto& [command, reply] : kTable) {
        if (command != payload) continue;
        floor.reply_topic = floor.session_id + "/" + std::string(command);
        mosquitto_publish(mosq, nullptr, floor.reply_topic.c_str(), static_cast<int>(reply.size()),
                          reply.data(), message->qos, false);
    }
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 3) {
        std::fprintf(stderr, "usage: floor_client PORT USER_ID\n");
        return 2;
    }
    Floor floor;
    floor.user_id = argv[2];
    floor.uuid_topic = floor.user_id + "/UUID";
    mosquitto_lib_init();
    mosquitto* mosq = mosquitto_new(("floor-" + floor.user_id).c_str(), true, &floor);
    mosquitto_int_option(mosq, MOSQ_OPT_TCP_NODELAY, 1);
    mosquitto_connect_callback_set(mosq, on_connect);
    mosquitto_subscribe_callback_set(mosq, on_subscribe);
    mosquitto_message_callback_set(mosq, on_message);
    if (mosquitto_connect(mosq, "127.0.0.1", std::atoi(argv[1]), 30) != MOSQ_ERR_SUCCESS) {
        std::fprintf(stderr, "floor_client: cannot connect\n");
        return 3;
    }
    mosquitto_loop_forever(mosq, 1000, 1);
    mosquitto_destroy(mosq);
    mosquitto_lib_cleanup();
    return floor.exit_code;
}
