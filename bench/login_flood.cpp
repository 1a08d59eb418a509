// A hostile student's login flood: one libmosquitto client publishing logins to `login` at a
// fixed rate for a fixed time, and never answering anything. Each login carries the next of
// USERS user IDs (`flood-0`, `flood-1`, ...), cycled, so that USERS = 1 floods with one user
// ID and a large USERS with a new one each time.
// Usage: login_flood PORT RATE_PER_S SECONDS USERS [QOS]
// Prints one line: logins published, seconds taken, achieved rate.
#include <mosquitto.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

namespace {

using Clock = std::chrono::steady_clock;

long parse_positive(const char* text, const char* what) {
    char* end = nullptr;
    const long value = std::strtol(text, &end, 10);
    if (end == text || *end != '\0' || value <= 0) {
        std::fprintf(stderr, "login_flood: %s must be a positive integer, not '%s'\n", what, text);
        std::exit(2);
    }
    return value;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 5 && argc != 6) {
        std::fprintf(stderr, "usage: login_flood PORT RATE_PER_S SECONDS USERS [QOS]\n");
        return 2;
    }
    const int port = static_cast<int>(parse_positive(argv[1], "PORT"));
    const long rate = parse_positive(argv[2], "RATE_PER_S");
    const long seconds = parse_positive(argv[3], "SECONDS");
    const long users = parse_positive(argv[4], "USERS");
    const int qos = argc == 6 ? std::atoi(argv[5]) : 0;
    if (qos < 0 || qos > 2) {
        std::fprintf(stderr, "login_flood: QOS must be 0, 1 or 2\n");
        return 2;
    }

    mosquitto_lib_init();
    mosquitto* mosq = mosquitto_new("login-flood", true, nullptr);
    if (mosq == nullptr) {
        std::fprintf(stderr, "login_flood: mosquitto_new failed\n");
        return 1;
    }
    mosquitto_int_option(mosq, MOSQ_OPT_TCP_NODELAY, 1);
    // No send window: the flood is limited by the rate alone.
    mosquitto_max_inflight_messages_set(mosq, 0);
    if (const int rc = mosquitto_connect(mosq, "127.0.0.1", port, 60); rc != MOSQ_ERR_SUCCESS) {
        std::fprintf(stderr, "login_flood: cannot connect: %s\n", mosquitto_strerror(rc));
        return 3;
    }
    if (const int rc = mosquitto_loop_start(mosq); rc != MOSQ_ERR_SUCCESS) {
        std::fprintf(stderr, "login_flood: mosquitto_loop_start: %s\n", mosquitto_strerror(rc));
        return 1;
    }

    // Paced in 1 ms steps: each step publishes what the rate owes since the start.
    const auto start = Clock::now();
    const auto end = start + std::chrono::seconds(seconds);
    const std::uint64_t total =
        static_cast<std::uint64_t>(rate) * static_cast<std::uint64_t>(seconds);
    std::uint64_t sent = 0;
    std::uint64_t failed = 0;
    std::string user_id;
    for (auto now = start; now < end && sent < total; now = Clock::now()) {
        const auto elapsed_us =
            std::chrono::duration_cast<std::chrono::microseconds>(now - start).count();
        const auto owed =
            static_cast<std::uint64_t>(elapsed_us) * static_cast<std::uint64_t>(rate) / 1'000'000U;
        for (; sent < owed && sent < total; ++sent) {
            user_id = "flood-" + std::to_string(sent % static_cast<std::uint64_t>(users));
            if (mosquitto_publish(mosq, nullptr, "login", static_cast<int>(user_id.size()),
                                  user_id.data(), qos, false) != MOSQ_ERR_SUCCESS) {
                ++failed;
            }
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    const double taken = std::chrono::duration<double>(Clock::now() - start).count();
    // Gives the loop thread a moment to write what is queued before the disconnect.
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    mosquitto_disconnect(mosq);
    mosquitto_loop_stop(mosq, false);
    mosquitto_destroy(mosq);
    mosquitto_lib_cleanup();
    std::printf("%llu logins in %.2f s (%.0f/s), %llu publish calls failed\n",
                static_cast<unsigned long long>(sent), taken, static_cast<double>(sent) / taken,
                static_cast<unsigned long long>(failed));
    return failed == 0 ? 0 : 1;
}
