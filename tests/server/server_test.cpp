// The server assembly on a real Mosquitto: stopped from inside its own events, announcing
// only what the ledger committed. (Refused subscriptions need the dynamic security plugin:
// tests/integration/subscription_refusal_test.cpp.)
#include "server/server.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "broker/private_broker.hpp"
#include "broker/temp_directory.hpp"
#include "core/random_source.hpp"
#include "ledger/ledger_queries.hpp"
#include "ledger/ledger_schema.hpp"
#include "net/mosquitto_library.hpp"
#include "runner/client_runner.hpp"
#include "runner/os_random.hpp"

namespace cmdlink::server {
namespace {

using namespace std::chrono_literals;
namespace ev = core::server_event;

// Records what the server reports, and lets a test act from inside an event.
class Recorder final : public runner::ServerObserver {
  public:
    void on_connected(const runner::ServerRunner& /*runner*/, bool /*first*/,
                      bool /*session_present*/) override {}
    void on_connection_lost(const runner::ServerRunner& /*runner*/,
                            std::string_view /*reason*/) override {}
    void on_server_event(const runner::ServerRunner& runner,
                         const core::ServerEvent& event) override {
        if (std::holds_alternative<ev::SessionAnnounced>(event)) ++announced;
        if (std::holds_alternative<ev::SessionIssued>(event)) ++issued;
        if (const auto* ended = std::get_if<ev::SessionEnded>(&event)) {
            outcomes.emplace_back(core::to_string(ended->summary.outcome));
        }
        if (on_event) on_event(runner, event);
    }
    void on_stopped(const runner::ServerRunner& /*runner*/, std::string_view reason) override {
        stopped_reason = reason;
        if (on_stop) on_stop();
    }
    void on_ready(const runner::ServerRunner& /*runner*/) override {
        if (on_ready_) on_ready_();
    }

    std::function<void(const runner::ServerRunner&, const core::ServerEvent&)> on_event;
    std::function<void()> on_stop;
    std::function<void()> on_ready_;
    int issued = 0;
    int announced = 0;
    std::vector<std::string> outcomes;
    std::string stopped_reason;
};

class ClientEnds final : public runner::ClientObserver {
  public:
    void on_connected(const runner::ClientRunner& /*runner*/, bool /*first*/,
                      bool /*session_present*/) override {}
    void on_connection_lost(const runner::ClientRunner& /*runner*/,
                            std::string_view /*reason*/) override {}
    void on_session_event(const runner::ClientRunner& /*runner*/,
                          const core::ClientEvent& event) override {
        if (on_event) on_event(event);
    }
    void on_finished(const runner::ClientRunner& /*runner*/) override {
        ++finished;
        if (on_finish) on_finish();
    }
    int finished = 0;
    std::function<void()> on_finish;
    std::function<void(const core::ClientEvent&)> on_event;
};

class ServerAssembly : public ::testing::Test {
  protected:
    void SetUp() override { start_broker({}); }

    void start_broker(broker::BrokerOptions options) {
        broker_.reset();
        auto started = broker::PrivateBroker::start(std::move(options));
        ASSERT_TRUE(started) << started.error();
        broker_ = std::move(started.value());
        auto loop = net::EventLoop::create();
        ASSERT_TRUE(loop) << loop.error();
        loop_ = std::move(loop.value());
    }

    net::MqttOptions mqtt(std::string client_id) const {
        net::MqttOptions options;
        options.host = broker_->host();
        options.port = broker_->port();
        options.client_id = std::move(client_id);
        return options;
    }

    ServerSetup setup() const {
        ServerSetup made;
        made.mqtt = mqtt("test-server");
        // Long enough for a client to subscribe to its session before the commands.
        made.policy.delay = 200ms;
        made.policy.min_commands = 3;
        made.policy.max_commands = 3;
        return made;
    }

    std::unique_ptr<Server> make_server(ServerSetup made) {
        auto created = Server::create(*loop_, std::move(made), random_, recorder_);
        EXPECT_TRUE(created) << created.error();
        if (!created) return nullptr;
        recorder_.on_stop = [this] { loop_->stop(); };
        return std::move(created.value());
    }

    std::unique_ptr<runner::ClientRunner> make_client(const std::string& user_id) {
        core::ClientOptions options;
        options.user_id = user_id;
        auto created = runner::ClientRunner::create(*loop_, mqtt("test-" + user_id),
                                                    std::move(options), client_ends_);
        EXPECT_TRUE(created) << created.error();
        return created ? std::move(created.value()) : nullptr;
    }

    // Runs the loop until something stops it; a run that does not end fails the test.
    void run() {
        bool guard_fired = false;
        net::Timer guard(*loop_, [&] {
            guard_fired = true;
            loop_->stop();
        });
        guard.arm(loop_->now() + 20s);
        loop_->run();
        EXPECT_FALSE(guard_fired) << "the loop did not end within 20 s";
    }

    net::MosquittoLibrary library_;
    std::unique_ptr<broker::PrivateBroker> broker_;
    std::unique_ptr<net::EventLoop> loop_;
    runner::OsRandom random_;
    Recorder recorder_;
    ClientEnds client_ends_;
};

TEST_F(ServerAssembly, AnObserverThatStopsTheServerInsideAnEventEndsEverySession) {
    auto server = make_server(setup());
    ASSERT_NE(server, nullptr);
    std::vector<std::unique_ptr<runner::ClientRunner>> clients;
    recorder_.on_ready_ = [&] {
        for (int i = 0; i < 4; ++i) {
            clients.push_back(make_client("device-" + std::to_string(i)));
            ASSERT_TRUE(clients.back()->start());
        }
    };
    // The first command sent stops everything, from inside the Issuer's own batch.
    recorder_.on_event = [&](const runner::ServerRunner& /*runner*/,
                             const core::ServerEvent& event) {
        if (std::holds_alternative<ev::CommandSent>(event)) server->stop();
    };
    ASSERT_TRUE(server->start());
    run();
    EXPECT_TRUE(server->stopped());
    EXPECT_EQ(server->issuer().active_sessions(), 0U);
    EXPECT_EQ(recorder_.outcomes.size(), static_cast<std::size_t>(recorder_.issued));
    for (const std::string& outcome : recorder_.outcomes) EXPECT_EQ(outcome, "interrupted");
}

TEST_F(ServerAssembly, StopAfterReachedByAPassingReplyStopsOnce) {
    ServerSetup made = setup();
    made.stop_after = 1;
    auto server = make_server(std::move(made));
    ASSERT_NE(server, nullptr);
    std::unique_ptr<runner::ClientRunner> client;
    recorder_.on_ready_ = [&] {
        client = make_client("10001");
        ASSERT_TRUE(client->start());
    };
    ASSERT_TRUE(server->start());
    run();
    EXPECT_EQ(recorder_.outcomes, (std::vector<std::string>{"passed"}));
    EXPECT_EQ(server->issuer().counts().passed, 1U);
}

TEST_F(ServerAssembly, WithALedgerWhatADeviceHearsIsCommittedFirstAndItsEndAcknowledged) {
    auto directory = broker::TempDirectory::create("cmdlink-server-test-");
    ASSERT_TRUE(directory) << directory.error();
    const std::string path = (directory.value().path() / "ledger.db").string();
    auto writer = ledger::LedgerWriter::open(path);
    ASSERT_TRUE(writer) << writer.error();
    ServerSetup made = setup();
    made.ledger = writer.value().get();
    made.stop_after = 1;
    auto server = make_server(std::move(made));
    ASSERT_NE(server, nullptr);
    std::unique_ptr<runner::ClientRunner> client;
    recorder_.on_ready_ = [&] {
        client = make_client("10002");
        ASSERT_TRUE(client->start());
    };
    int checked = 0;
    // The write gate: by the time the device hears its ID or a command, the ledger has it.
    client_ends_.on_event = [&](const core::ClientEvent& event) {
        const auto* assigned = std::get_if<core::client_event::SessionAssigned>(&event);
        const auto* answered = std::get_if<core::client_event::CommandAnswered>(&event);
        if (assigned == nullptr && answered == nullptr) return;
        ++checked;
        auto db = ledger::open_ledger_for_reading(path);
        ASSERT_TRUE(db) << db.error();
        auto sessions = ledger::load_sessions(db.value(), {});
        ASSERT_TRUE(sessions) << sessions.error();
        ASSERT_EQ(sessions.value().size(), 1U);
        EXPECT_TRUE(sessions.value()[0].id_sent.has_value());
        if (answered != nullptr) {
            EXPECT_GE(sessions.value()[0].commands_sent, 1);
        }
    };
    ASSERT_TRUE(server->start());
    run();
    EXPECT_EQ(checked, 4) << "the ID and three commands";
    EXPECT_EQ(recorder_.announced, 1);
    ASSERT_TRUE(writer.value()->close());
    auto db = ledger::open_ledger_for_reading(path);
    ASSERT_TRUE(db) << db.error();
    auto sessions = ledger::load_sessions(db.value(), {});
    ASSERT_TRUE(sessions) << sessions.error();
    ASSERT_EQ(sessions.value().size(), 1U);
    EXPECT_EQ(sessions.value()[0].outcome, "passed");
    auto ended = ledger::load_ended_since(db.value(), 0);
    ASSERT_TRUE(ended) << ended.error();
    ASSERT_EQ(ended.value().size(), 1U);
    EXPECT_FALSE(ended.value()[0].end_undelivered) << "the broker acknowledged the end";
}

TEST_F(ServerAssembly, WithALedgerTheVerdictGoesOutOnlyOnceTheSessionsEndIsCommitted) {
    auto directory = broker::TempDirectory::create("cmdlink-server-test-");
    ASSERT_TRUE(directory) << directory.error();
    const std::string path = (directory.value().path() / "ledger.db").string();
    auto writer = ledger::LedgerWriter::open(path);
    ASSERT_TRUE(writer) << writer.error();
    ServerSetup made = setup();
    made.ledger = writer.value().get();
    made.policy.feedback = true;
    made.stop_after = 1;
    auto server = make_server(std::move(made));
    ASSERT_NE(server, nullptr);
    bool server_stopped = false;
    bool client_finished = false;
    recorder_.on_stop = [&] {
        server_stopped = true;
        if (client_finished) loop_->stop();
    };
    client_ends_.on_finish = [&] {
        client_finished = true;
        if (server_stopped) loop_->stop();
    };
    std::unique_ptr<runner::ClientRunner> client;
    recorder_.on_ready_ = [&] {
        core::ClientOptions options;
        options.user_id = "10003";
        options.hear_verdict = true;
        // Every reply wrong: the first fails the session.
        options.table = core::CommandTable::parse(
                            "CMD1 No\nCMD2 No\nCMD3 No\nCMD4 No\nCMD5 No\nCMD6 No\nCMD7 No\n"
                            "CMD8 No\nCMD9 No\n")
                            .value();
        auto created = runner::ClientRunner::create(*loop_, mqtt("test-10003"), std::move(options),
                                                    client_ends_);
        ASSERT_TRUE(created) << created.error();
        client = std::move(created.value());
        ASSERT_TRUE(client->start());
    };
    int verdicts = 0;
    client_ends_.on_event = [&](const core::ClientEvent& event) {
        const auto* verdict = std::get_if<core::client_event::VerdictReceived>(&event);
        if (verdict == nullptr) return;
        ++verdicts;
        EXPECT_EQ(verdict->outcome, core::SessionOutcome::kFailed);
        auto db = ledger::open_ledger_for_reading(path);
        ASSERT_TRUE(db) << db.error();
        auto sessions = ledger::load_sessions(db.value(), {});
        ASSERT_TRUE(sessions) << sessions.error();
        ASSERT_EQ(sessions.value().size(), 1U);
        EXPECT_EQ(sessions.value()[0].outcome, "failed") << "the verdict came before its row";
    };
    ASSERT_TRUE(server->start());
    run();
    EXPECT_EQ(verdicts, 1);
    ASSERT_NE(client, nullptr);
    EXPECT_EQ(client->end(), runner::ClientEnd::kFailed);
    EXPECT_NE(client->end_message().find("the server ended the session as failed: wrong reply"),
              std::string::npos)
        << client->end_message();
    ASSERT_TRUE(writer.value()->close());
}

}  // namespace
}  // namespace cmdlink::server
