// `cmdlink server --ledger` killed with SIGKILL again and again while devices run, and
// started again each time: afterwards every device and the ledger agree (docs/crash-safety.md).
//
// The same test is the long measurement (bench/server_kills.sh): CMDLINK_KILL_SESSIONS,
// CMDLINK_KILLS and CMDLINK_KILL_SEED set its size and its random kill times.
#include <gtest/gtest.h>

#include <csignal>
#include <cstdlib>
#include <iostream>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "integration_support.hpp"
#include "ledger/ledger_queries.hpp"
#include "ledger/ledger_schema.hpp"
#include "net/event_loop.hpp"
#include "net/mosquitto_library.hpp"
#include "runner/client_runner.hpp"

namespace cmdlink::integration {
namespace {

std::uint64_t setting(const char* name, std::uint64_t fallback) {
    const char* text = std::getenv(name);
    if (text == nullptr || *text == '\0') return fallback;
    return std::strtoull(text, nullptr, 10);
}

// What one device saw, session by session.
struct DeviceView {
    std::vector<std::string> session_ids;  // in the order they were assigned, repeats once
    std::map<std::string, std::map<std::string, int>> commands;  // session -> command -> count
    std::map<std::string, bool> ended_well;                      // session -> Well done
    runner::ClientEnd end = runner::ClientEnd::kRunning;
    bool finished = false;
};

class Devices final : public runner::ClientObserver {
  public:
    void on_connected(const runner::ClientRunner&, bool, bool) override {}
    void on_connection_lost(const runner::ClientRunner&, std::string_view) override {}
    void on_session_event(const runner::ClientRunner& runner,
                          const core::ClientEvent& event) override {
        DeviceView& view = views[runner.session().user_id()];
        if (const auto* assigned = std::get_if<core::client_event::SessionAssigned>(&event)) {
            const std::string id(assigned->session_id);
            if (view.session_ids.empty() || view.session_ids.back() != id) {
                view.session_ids.push_back(id);
            }
        } else if (const auto* answered =
                       std::get_if<core::client_event::CommandAnswered>(&event)) {
            if (!view.session_ids.empty()) {
                ++view.commands[view.session_ids.back()][std::string(answered->command)];
            }
        } else if (const auto* done = std::get_if<core::client_event::Finished>(&event)) {
            if (done->outcome == core::ClientOutcome::kPassed && !view.session_ids.empty()) {
                view.ended_well[view.session_ids.back()] = true;
            }
        }
    }
    void on_finished(const runner::ClientRunner& runner) override {
        DeviceView& view = views[runner.session().user_id()];
        view.end = runner.end();
        view.finished = true;
        ++finished;
    }

    std::map<std::string, DeviceView> views;  // user ID -> what its device saw
    std::size_t finished = 0;
};

// Each kind of disagreement between the devices and the ledger; all must stay 0.
struct Disagreements {
    std::size_t passed_without_end = 0;       // ledger: passed; device: no `Well done`
    std::size_t commands_not_delivered = 0;   // ledger: sent; device: never got it
    std::size_t answered_all_but_failed = 0;  // device answered all it got; ledger: not passed
    std::size_t session_not_in_ledger = 0;    // device got an ID the ledger lacks (or not its)
    std::size_t session_without_outcome = 0;  // ledger: never ended
    std::size_t device_without_session = 0;   // device logged in, never heard an ID
    std::size_t device_not_passed = 0;        // device ended any other way than passed

    [[nodiscard]] std::size_t total() const {
        return passed_without_end + commands_not_delivered + answered_all_but_failed +
               session_not_in_ledger + session_without_outcome + device_without_session +
               device_not_passed;
    }
};

std::ostream& operator<<(std::ostream& out, const Disagreements& d) {
    return out << "passed_without_end=" << d.passed_without_end
               << " commands_not_delivered=" << d.commands_not_delivered
               << " answered_all_but_failed=" << d.answered_all_but_failed
               << " session_not_in_ledger=" << d.session_not_in_ledger
               << " session_without_outcome=" << d.session_without_outcome
               << " device_without_session=" << d.device_without_session
               << " device_not_passed=" << d.device_not_passed;
}

class ServerKill : public BrokerTest {
  protected:
    std::string ledger_path() const { return (workspace() / "kills.db").string(); }
    static std::vector<std::string> server_flags(const std::string& ledger) {
        // Mixed QoS (no --qos), a burst of commands, short enough sessions that a kill lands
        // on every stage: login, delay, commands, replies, the end.
        return {"--ledger", ledger, "--delay", "1", "--commands", "3-6", "--session-timeout", "8"};
    }
    CmdlinkProcess* restart_server(std::size_t run) {
        std::vector<std::string> arguments = {"server",    "--host", "127.0.0.1", "--port",
                                              port_text(), "--json", "-q"};
        const auto flags = server_flags(ledger_path());
        arguments.insert(arguments.end(), flags.begin(), flags.end());
        return run_cmdlink("server-" + std::to_string(run), arguments);
    }
};

TEST_F(ServerKill, DevicesAndTheLedgerAgreeAfterRepeatedKills) {
    const std::size_t sessions = setting("CMDLINK_KILL_SESSIONS", 120);
    const std::size_t kills = setting("CMDLINK_KILLS", 3);
    const std::uint64_t seed = setting("CMDLINK_KILL_SEED", std::random_device{}());
    std::cout << "sessions=" << sessions << " kills=" << kills << " seed=" << seed
              << " (CMDLINK_KILL_SEED replays the kill times)\n";
    std::mt19937_64 random(seed);

    CmdlinkProcess* server = start_server(server_flags(ledger_path()));
    ASSERT_NE(server, nullptr);

    const net::MosquittoLibrary library;
    auto created = net::EventLoop::create();
    ASSERT_TRUE(created.ok()) << created.error();
    net::EventLoop& loop = *created.value();
    Devices devices;
    std::vector<std::unique_ptr<runner::ClientRunner>> clients;
    // Spread over the run, so that every kill finds sessions at every stage.
    const auto spacing = std::chrono::milliseconds(
        std::max<std::uint64_t>(5, 1000 * (kills + 1) / std::max<std::size_t>(sessions, 1)));
    std::uniform_int_distribution<int> kill_after_ms(400, 1400);
    auto next_kill = loop.now() + std::chrono::milliseconds(kill_after_ms(random));
    std::size_t killed = 0;
    const auto deadline = core::Clock::now() + std::chrono::seconds(60 + 3 * kills);

    const auto start_client = [&] {
        const std::string user_id = std::to_string(70000 + clients.size());
        net::MqttOptions mqtt;
        mqtt.port = port();
        mqtt.client_id = "kill-" + user_id;
        core::ClientOptions options;
        options.user_id = user_id;
        // Long enough to wait out every death and restart of the server.
        options.login_timeout = 30s;
        options.idle_timeout = 20s;
        auto client = runner::ClientRunner::create(loop, mqtt, options, devices);
        ASSERT_TRUE(client.ok()) << client.error();
        clients.push_back(std::move(client.value()));
        ASSERT_TRUE(clients.back()->start(30s).ok());
    };
    std::function<void()> tick = [&] {
        if (clients.size() < sessions) start_client();
        if (killed < kills && loop.now() >= next_kill) {
            ++killed;
            server->send_signal(SIGKILL);
            EXPECT_EQ(server->wait_for_exit(), 128 + SIGKILL);
            server = restart_server(killed);
            next_kill = loop.now() + std::chrono::milliseconds(kill_after_ms(random));
        }
        if (devices.finished == sessions || core::Clock::now() > deadline) return loop.stop();
        loop.add_timer(loop.now() + spacing, tick);
    };
    loop.add_timer(loop.now(), tick);
    loop.run();
    clients.clear();

    ASSERT_EQ(killed, kills) << "the run ended before every kill";
    EXPECT_EQ(devices.finished, sessions) << "devices still running at the deadline";
    ASSERT_NE(server, nullptr);
    EXPECT_EQ(server->stop(), 0) << server->describe();

    auto db = ledger::open_ledger_for_reading(ledger_path());
    ASSERT_TRUE(db.ok()) << db.error();
    auto records = ledger::load_sessions(db.value(), {});
    ASSERT_TRUE(records.ok()) << records.error();
    std::map<std::string, ledger::SessionRecord> ledger_sessions;
    for (auto& record : records.value()) ledger_sessions.emplace(record.session_id, record);

    Disagreements found;
    std::size_t devices_passed = 0;
    for (const auto& [user_id, view] : devices.views) {
        if (view.end == runner::ClientEnd::kPassed) {
            ++devices_passed;
        } else {
            ++found.device_not_passed;
            ADD_FAILURE() << user_id << " ended " << runner::to_string(view.end);
        }
        if (view.session_ids.empty()) {
            ++found.device_without_session;
            ADD_FAILURE() << user_id << " never heard a session ID";
        }
        for (const std::string& session_id : view.session_ids) {
            const auto record = ledger_sessions.find(session_id);
            if (record == ledger_sessions.end() || record->second.user_id != user_id) {
                ++found.session_not_in_ledger;
                ADD_FAILURE() << user_id << " got " << session_id << ", not in the ledger as its";
                continue;
            }
            const ledger::SessionRecord& session = record->second;
            const auto seen = view.commands.find(session_id);
            const auto count_seen = [&](const std::string& command) {
                if (seen == view.commands.end()) return 0;
                const auto found_command = seen->second.find(command);
                return found_command == seen->second.end() ? 0 : found_command->second;
            };
            auto commands = ledger::load_commands(db.value(), session_id);
            ASSERT_TRUE(commands.ok()) << commands.error();
            std::map<std::string, int> sent;
            for (const auto& command : commands.value()) ++sent[command.command];
            for (const auto& [command, count] : sent) {
                if (count_seen(command) < count) {
                    ++found.commands_not_delivered;
                    ADD_FAILURE() << session_id << ": the ledger sent " << command << " x" << count
                                  << ", the device got it x" << count_seen(command);
                }
            }
            const bool ended_well =
                view.ended_well.contains(session_id) && view.ended_well.at(session_id);
            if (session.outcome == "passed" && !ended_well) {
                ++found.passed_without_end;
                ADD_FAILURE() << session_id << " passed in the ledger; its device never heard so";
            }
            // The device answers every command it gets: one it got counts as answered.
            if (session.outcome != "passed" && session.outcome != "abandoned" &&
                session_id == view.session_ids.back() && seen != view.commands.end()) {
                ++found.answered_all_but_failed;
                ADD_FAILURE() << session_id << " ended " << session.outcome << " ("
                              << session.reason << ") although its device answered all it got";
            }
        }
    }
    for (const auto& [session_id, session] : ledger_sessions) {
        if (session.outcome.empty()) {
            ++found.session_without_outcome;
            ADD_FAILURE() << session_id << " never ended in the ledger";
        }
    }
    std::cout << "devices passed " << devices_passed << " of " << sessions << " after " << killed
              << " kills; ledger sessions " << ledger_sessions.size() << "; disagreements "
              << found.total() << ": " << found << "\n";
    EXPECT_EQ(found.total(), 0U) << found;
}

}  // namespace
}  // namespace cmdlink::integration
