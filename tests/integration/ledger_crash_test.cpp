// `cmdlink server --ledger` killed with SIGKILL in the middle of 500 sessions and started
// again: no committed row is lost, and every session a device heard of ends with an outcome.
#include <gtest/gtest.h>

#include <csignal>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "integration_support.hpp"
#include "ledger/ledger_queries.hpp"
#include "ledger/ledger_schema.hpp"
#include "net/event_loop.hpp"
#include "net/mosquitto_library.hpp"
#include "runner/client_runner.hpp"

namespace cmdlink::integration {
namespace {

constexpr int kClients = 500;
constexpr int kClientsPerWave = 25;
constexpr auto kWaveInterval = 40ms;
constexpr std::size_t kPassedBeforeKill = 120;

struct LedgerSnapshot {
    std::map<std::string, ledger::SessionRecord> sessions;
    std::set<std::tuple<std::string, std::string, std::string, ledger::WallMicros>> replies;
    std::size_t unknown_session_replies = 0;
};

LedgerSnapshot read_ledger(const std::string& path) {
    LedgerSnapshot snapshot;
    auto db = ledger::open_ledger_for_reading(path);
    if (!db) {
        ADD_FAILURE() << db.error();
        return snapshot;
    }
    auto sessions = ledger::load_sessions(db.value(), {});
    auto replies = ledger::load_replies(db.value(), {});
    if (!sessions || !replies) {
        ADD_FAILURE() << "cannot read " << path;
        return snapshot;
    }
    for (auto& session : sessions.value()) {
        snapshot.sessions.emplace(session.session_id, std::move(session));
    }
    for (const auto& reply : replies.value()) {
        snapshot.replies.emplace(reply.session_id, reply.command, reply.word, reply.arrived);
        if (reply.verdict == "unknown_session") ++snapshot.unknown_session_replies;
    }
    return snapshot;
}

// Many devices on one loop, each remembering the session ID it was given.
class Fleet final : public runner::ClientObserver {
  public:
    void on_connected(const runner::ClientRunner&, bool, bool) override {}
    void on_connection_lost(const runner::ClientRunner&, std::string_view) override {}
    void on_session_event(const runner::ClientRunner& runner,
                          const core::ClientEvent& event) override {
        if (const auto* assigned = std::get_if<core::client_event::SessionAssigned>(&event)) {
            session_ids[runner.session().user_id()] = std::string(assigned->session_id);
        }
    }
    void on_finished(const runner::ClientRunner& runner) override {
        ++finished;
        ++ends[std::string(runner::to_string(runner.end()))];
        if (runner.end() == runner::ClientEnd::kPassed) ++passed;
    }

    std::map<std::string, std::string> session_ids;  // user ID -> session ID
    std::map<std::string, std::size_t> ends;
    std::size_t finished = 0;
    std::size_t passed = 0;
};

class LedgerCrash : public BrokerTest {
  protected:
    std::string ledger_path() const { return (workspace() / "crash.db").string(); }
    std::vector<std::string> server_flags() const {
        return {"--ledger", ledger_path(),       "--delay", "0.2",   "--commands",
                "3-6",      "--session-timeout", "6",       "--qos", "1"};
    }
    CmdlinkProcess* restart_server() {
        // Not start_server(): the broker log shows the first run's subscriptions already, and
        // logins sent meanwhile wait at the broker for our persistent session anyway.
        std::vector<std::string> arguments = {"server",    "--host", "127.0.0.1", "--port",
                                              port_text(), "--json", "-q"};
        const auto flags = server_flags();
        arguments.insert(arguments.end(), flags.begin(), flags.end());
        return run_cmdlink("server-again", arguments);
    }
};

TEST_F(LedgerCrash, NoCommittedRowIsLostAndEverySessionEnds) {
    CmdlinkProcess* server = start_server(server_flags());
    ASSERT_NE(server, nullptr);

    const net::MosquittoLibrary library;
    auto created = net::EventLoop::create();
    ASSERT_TRUE(created.ok()) << created.error();
    net::EventLoop& loop = *created.value();
    Fleet fleet;
    std::vector<std::unique_ptr<runner::ClientRunner>> clients;
    const auto start_wave = [&] {
        for (int i = 0; i < kClientsPerWave && clients.size() < kClients; ++i) {
            const std::string user_id = std::to_string(50000 + clients.size());
            net::MqttOptions mqtt;
            mqtt.port = port();
            mqtt.client_id = "crash-" + user_id;
            core::ClientOptions options;
            options.user_id = user_id;
            // Long enough to wait out the server's death and restart, short enough that a
            // device whose command or final message died with the server gives up soon.
            options.login_timeout = 30s;
            options.idle_timeout = 15s;
            auto client = runner::ClientRunner::create(loop, mqtt, options, fleet);
            ASSERT_TRUE(client.ok()) << client.error();
            clients.push_back(std::move(client.value()));
            ASSERT_TRUE(clients.back()->start(30s).ok());
        }
    };

    bool killed = false;
    std::size_t passed_at_kill = 0;
    LedgerSnapshot before;
    CmdlinkProcess* restarted = nullptr;
    const auto deadline = core::Clock::now() + 90s;
    std::function<void()> tick = [&] {
        if (clients.size() < kClients) start_wave();
        if (!killed && fleet.passed >= kPassedBeforeKill) {
            killed = true;
            passed_at_kill = fleet.passed;
            server->send_signal(SIGKILL);
            EXPECT_EQ(server->wait_for_exit(), 128 + SIGKILL);
            before = read_ledger(ledger_path());
            restarted = restart_server();
        }
        if (fleet.finished == kClients || core::Clock::now() > deadline) return loop.stop();
        loop.add_timer(loop.now() + kWaveInterval, tick);
    };
    loop.add_timer(loop.now(), tick);
    loop.run();
    clients.clear();

    ASSERT_TRUE(killed) << "the server was never killed: " << fleet.passed << " passed";
    ASSERT_NE(restarted, nullptr);
    EXPECT_EQ(fleet.finished, static_cast<std::size_t>(kClients)) << "clients still running";
    // Sessions still in flight end as interrupted; by now there should be none.
    EXPECT_EQ(restarted->stop(), 0) << restarted->describe();
    const LedgerSnapshot after = read_ledger(ledger_path());

    std::size_t open_before = 0;
    for (const auto& [session_id, was] : before.sessions) {
        const auto found = after.sessions.find(session_id);
        ASSERT_NE(found, after.sessions.end()) << "committed session " << session_id << " lost";
        const ledger::SessionRecord& now = found->second;
        EXPECT_EQ(now.user_id, was.user_id);
        EXPECT_EQ(now.login, was.login);
        EXPECT_GE(now.commands_sent, was.commands_sent) << session_id;
        if (was.outcome.empty()) {
            ++open_before;
        } else {
            EXPECT_EQ(now.outcome, was.outcome) << session_id;
            EXPECT_EQ(now.ended, was.ended) << session_id;
        }
    }
    // The restart reports what it put back, when the kill left anything in flight (how much it
    // leaves depends on speed: under a sanitizer it may leave nothing).
    if (open_before > 0) {
        EXPECT_NE(restarted->stderr_text().find("left in flight by a previous run"),
                  std::string::npos)
            << restarted->describe();
    }
    for (const auto& reply : before.replies) {
        EXPECT_TRUE(after.replies.contains(reply))
            << "committed reply lost: " << std::get<0>(reply);
    }
    std::map<std::string, std::size_t> outcomes;
    for (const auto& [user_id, session_id] : fleet.session_ids) {
        const auto found = after.sessions.find(session_id);
        ASSERT_NE(found, after.sessions.end())
            << user_id << " got session " << session_id << ", which is not in the ledger";
        EXPECT_FALSE(found->second.outcome.empty()) << session_id << " has no outcome";
        ++outcomes[found->second.outcome.empty() ? "none" : found->second.outcome];
    }
    for (const auto& [session_id, session] : after.sessions) {
        EXPECT_FALSE(session.outcome.empty()) << session_id << " never ended";
    }
    std::string client_ends;
    for (const auto& [end, count] : fleet.ends) {
        client_ends += " " + end + "=" + std::to_string(count);
    }
    std::string summary;
    for (const auto& [outcome, count] : outcomes) {
        summary += " " + outcome + "=" + std::to_string(count);
    }
    std::cout << "killed after " << passed_at_kill << " passed; " << open_before
              << " sessions in flight at the kill; " << before.replies.size()
              << " replies committed before it; clients passed " << fleet.passed << " of "
              << kClients << " (" << client_ends << " ), " << fleet.session_ids.size()
              << " got a session ID; ledger:" << summary << "\n";
    // Every reply came from our devices to sessions this server issued, before or after the
    // restart.
    EXPECT_EQ(after.unknown_session_replies, 0U);
#ifndef CMDLINK_SANITIZED
    // Where the kill lands, and how much the server's unacknowledged outgoing messages (lost
    // with it: issue 9) cost, depends on how fast the server runs against its clients; under a
    // sanitizer it runs several times slower, so these hold only for the normal build. The
    // sanitizer run keeps the invariants above.
    EXPECT_GT(open_before, 0U) << "the kill caught no session in flight: nothing was tested";
    EXPECT_GE(fleet.passed, kClients * 9 / 10);
    EXPECT_GE(outcomes["passed"], kClients * 9U / 10);
#endif
}

}  // namespace
}  // namespace cmdlink::integration
