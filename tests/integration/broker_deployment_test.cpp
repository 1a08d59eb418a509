// `cmdlink broker-config` for a course beyond one machine, run as an instructor would: the
// roster a spreadsheet exported, random passwords in a handout, a TLS listener with a
// self-signed certificate, a WebSocket listener, connections in the broker's log, and an
// observer account. The broker runs with the mosquitto.conf broker-config wrote, as is.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "broker/child_process.hpp"
#include "broker/private_broker.hpp"
#include "core/protocol.hpp"
#include "exchange_checks.hpp"
#include "integration_support.hpp"
#include "net/mosquitto_library.hpp"
#include "os/unique_fd.hpp"
#include "raw_device.hpp"
#include "service_helpers.hpp"

namespace cmdlink::integration {
namespace {

// As a German-locale spreadsheet exports it: a byte order mark, `;`, CRLF, and the course
// system's own column names in its own order.
constexpr std::string_view kExportedRoster =
    "\xEF\xBB\xBFName;Matrikelnummer;E-Mail\r\n"
    "Alice Liddell;1001;alice@example.org\r\n"
    "Bob Builder;1002;bob@example.org\r\n";
const std::string kColumns = "username=E-Mail,user_id=Matrikelnummer";

struct HandoutRow {
    std::string username;
    std::string password;
    std::string user_id;
};

bool accepts_connections(int port) {
    const os::UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd.valid()) return false;
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return ::connect(fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof(address)) == 0;
}

// Runs `program` with `arguments` to its end; the failure says what it printed.
void run_to_end(const std::filesystem::path& program, const std::vector<std::string>& arguments,
                const std::filesystem::path& output) {
    auto process = broker::ChildProcess::spawn(program, arguments, output);
    ASSERT_TRUE(process.ok()) << process.error();
    auto status = process.value().wait_for_exit(kWaitLimit);
    ASSERT_TRUE(status.ok()) << status.error();
    ASSERT_TRUE(status.value().has_value()) << program << " did not finish";
    ASSERT_EQ(*status.value(), 0) << read_text(output);
}

class BrokerDeployment : public ProcessTest {
  protected:
    void SetUp() override {
        ProcessTest::SetUp();
        // Three distinct free ports: plain MQTT, TLS, WebSockets.
        for (int attempt = 0; attempt < 20 && ports_.size() < 3; ++attempt) {
            const auto port = closed_port();
            ASSERT_TRUE(port.has_value());
            if (std::find(ports_.begin(), ports_.end(), *port) == ports_.end()) {
                ports_.push_back(*port);
            }
        }
        ASSERT_EQ(ports_.size(), 3U);
    }

    [[nodiscard]] int port() const { return ports_[0]; }
    [[nodiscard]] int tls_port() const { return ports_[1]; }
    [[nodiscard]] int websockets_port() const { return ports_[2]; }
    [[nodiscard]] std::filesystem::path out() const { return workspace() / "out"; }

    // `cmdlink broker-config` on the exported roster, to its end.
    void broker_config(const std::vector<std::string>& flags) {
        const auto roster = write_file("roster.csv", kExportedRoster);
        std::vector<std::string> arguments = {"broker-config",
                                              "--roster",
                                              roster.string(),
                                              "--out",
                                              out().string(),
                                              "--columns",
                                              kColumns,
                                              "--port",
                                              std::to_string(port()),
                                              "--login-plugin",
                                              CMDLINK_LOGIN_PLUGIN};
        arguments.insert(arguments.end(), flags.begin(), flags.end());
        CmdlinkProcess* config = run_cmdlink("broker-config", arguments);
        ASSERT_NE(config, nullptr);
        ASSERT_EQ(config->wait_for_exit(), 0) << config->describe();
    }

    // Mosquitto with broker-config's own mosquitto.conf, once every listener accepts.
    void start_mosquitto(const std::vector<int>& ports) {
        auto executable = broker::find_mosquitto();
        ASSERT_TRUE(executable.ok()) << executable.error();
        auto spawned = broker::ChildProcess::spawn(executable.value(),
                                                   {"-c", (out() / "mosquitto.conf").string()},
                                                   workspace() / "mosquitto.out");
        ASSERT_TRUE(spawned.ok()) << spawned.error();
        mosquitto_.emplace(std::move(spawned.value()));
        const bool listening = wait_until(
            [&] {
                for (const int port : ports) {
                    if (!accepts_connections(port)) return false;
                }
                return true;
            },
            kWaitLimit);
        ASSERT_TRUE(listening) << read_text(workspace() / "mosquitto.out")
                               << read_text(out() / "mosquitto.log");
    }

    [[nodiscard]] std::vector<HandoutRow> handout() const {
        std::vector<HandoutRow> rows;
        const std::string text = read_text(out() / "handout.csv");
        std::size_t start = 0;
        for (std::size_t end = text.find("\r\n"); end != std::string::npos && rows.size() < 100;
             start = end + 2, end = text.find("\r\n", start)) {
            const std::string line = text.substr(start, end - start);
            const std::size_t first = line.find(',');
            const std::size_t second = line.find(',', first + 1);
            if (first == std::string::npos || second == std::string::npos) {
                ADD_FAILURE() << "handout line '" << line << "'";
                continue;
            }
            rows.push_back({line.substr(0, first), line.substr(first + 1, second - first - 1),
                            line.substr(second + 1)});
        }
        return rows;
    }

    // The handout's password of `user_id`, in a file of its own.
    std::filesystem::path password_file_of(const std::string& user_id) {
        for (const HandoutRow& row : handout()) {
            if (row.user_id == user_id) return write_file(user_id + ".password", row.password);
        }
        ADD_FAILURE() << "no handout row for " << user_id;
        return {};
    }

    // The roster server on the plain listener, once it is subscribed (its READY=1).
    CmdlinkProcess* start_roster_server(const std::vector<std::string>& flags) {
        notify_.emplace(workspace() / "notify");
        NotifySocket& notify = *notify_;
        const ScopedEnvironment socket("NOTIFY_SOCKET", notify.path().string());
        std::vector<std::string> arguments = {"server",
                                              "--host",
                                              "127.0.0.1",
                                              "--port",
                                              std::to_string(port()),
                                              "--username",
                                              "cmdlink-server",
                                              "--password-file",
                                              (out() / "server-password").string(),
                                              "--session-pool",
                                              (out() / "session-pool").string(),
                                              "--ledger",
                                              (workspace() / "ledger.db").string(),
                                              "--json",
                                              "-q"};
        arguments.insert(arguments.end(), flags.begin(), flags.end());
        CmdlinkProcess* server = run_cmdlink("server", arguments);
        if (server == nullptr) return nullptr;
        if (!wait_until([&] { return notify.received("READY=1") || !server->running(); },
                        kWaitLimit) ||
            !notify.received("READY=1")) {
            ADD_FAILURE() << "the server never became ready\n" << server->describe();
            return nullptr;
        }
        return server;
    }

    std::unique_ptr<RawDevice> connect(const std::string& client_id, const std::string& username,
                                       const std::string& password) {
        auto device = RawDevice::connect(port(), client_id, {username, password, false});
        if (!device) {
            ADD_FAILURE() << device.error();
            return nullptr;
        }
        return std::move(device.value());
    }

    net::MosquittoLibrary library_;
    std::vector<int> ports_;
    std::optional<broker::ChildProcess> mosquitto_;
    std::optional<NotifySocket> notify_;
};

TEST_F(BrokerDeployment, AnExportedRosterGetsRandomPasswordsInAHandout) {
    ASSERT_NO_FATAL_FAILURE(broker_config({}));
    const std::vector<HandoutRow> rows = handout();
    ASSERT_EQ(rows.size(), 3U) << read_text(out() / "handout.csv");
    EXPECT_EQ(rows[0].username, "username");
    EXPECT_EQ(rows[0].password, "password");
    EXPECT_EQ(rows[0].user_id, "user_id");
    EXPECT_EQ(rows[1].username, "alice@example.org");
    EXPECT_EQ(rows[1].user_id, "1001");
    EXPECT_EQ(rows[2].username, "bob@example.org");
    EXPECT_EQ(rows[2].user_id, "1002");
    EXPECT_GE(rows[1].password.size(), 16U);
    EXPECT_NE(rows[1].password, rows[2].password);
    // Only the hashes reach the broker's password file.
    const std::string passwords = read_text(out() / "passwords");
    EXPECT_EQ(passwords.find(rows[1].password), std::string::npos);
    EXPECT_NE(passwords.find("alice@example.org:$"), std::string::npos) << passwords;
}

TEST_F(BrokerDeployment, StudentsPassOverTlsAndWebSocketsAndTheBrokerLogsTheirConnections) {
    const auto cert = workspace() / "broker.crt";
    const auto key = workspace() / "broker.key";
    // Self-signed, for the address the students use: the certificate is its own CA file.
    ASSERT_NO_FATAL_FAILURE(run_to_end(
        "/usr/bin/openssl",
        {"req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key.string(), "-out", cert.string()},
        workspace() / "openssl.out"));
    ASSERT_NO_FATAL_FAILURE(broker_config({"--tls-cert", cert.string(), "--tls-key", key.string(),
                                           "--tls-port", std::to_string(tls_port()), "--websockets",
                                           std::to_string(websockets_port())}));
    ASSERT_NO_FATAL_FAILURE(start_mosquitto({port(), tls_port(), websockets_port()}));
    CmdlinkProcess* server = start_roster_server({"--delay", "1", "--stop-after", "2"});
    ASSERT_NE(server, nullptr);

    CmdlinkProcess* alice = run_cmdlink(
        "client-alice",
        {"client", "--host", "127.0.0.1", "--port", std::to_string(tls_port()), "--tls", "--cafile",
         cert.string(), "--user-id", "1001", "--username", "alice@example.org", "--password-file",
         password_file_of("1001").string(), "--json", "-q"});
    ASSERT_NE(alice, nullptr);
    expect_client_passed(*alice);

    // Bob through paho-mqtt's WebSocket transport (Debian's python3-paho-mqtt).
    if (std::system("/usr/bin/python3 -c 'import paho.mqtt' 2>/dev/null") != 0) {
        GTEST_SKIP() << "needs Debian's python3-paho-mqtt";
    }
    {
        const ScopedEnvironment transport("PEER_TRANSPORT", "websockets");
        ASSERT_NO_FATAL_FAILURE(run_to_end(
            "/usr/bin/python3",
            {(std::filesystem::path(CMDLINK_SOURCE_DIR) / "bench" / "python_peer.py").string(),
             std::to_string(websockets_port()), "1002", "bob@example.org",
             password_file_of("1002").string()},
            workspace() / "websocket_peer.out"));
    }
    expect_server_sessions_passed(*server, 2, std::nullopt);

    const std::string log = read_text(out() / "mosquitto.log");
    EXPECT_NE(log.find("New client connected from 127.0.0.1"), std::string::npos) << log;
    EXPECT_NE(log.find("u'alice@example.org'"), std::string::npos) << log;
    EXPECT_NE(log.find("u'bob@example.org'"), std::string::npos) << log;
}

TEST_F(BrokerDeployment, TheObserverReadsEverySessionButWhatItPublishesIsDropped) {
    ASSERT_NO_FATAL_FAILURE(broker_config({}));
    ASSERT_NO_FATAL_FAILURE(start_mosquitto({port()}));
    CmdlinkProcess* server = start_roster_server({"--delay", "1"});
    ASSERT_NE(server, nullptr);
    const std::string observer_password = read_text(out() / "observer-password");
    auto watcher = connect("watcher-1", "cmdlink-observer", observer_password);
    auto forger = connect("watcher-2", "cmdlink-observer", observer_password);
    ASSERT_TRUE(watcher && forger);
    ASSERT_TRUE(watcher->subscribe("#", 1).ok());
    EXPECT_NE(watcher->last_granted_qos(), 128);

    CmdlinkProcess* alice = run_cmdlink(
        "client-alice", {"client", "--host", "127.0.0.1", "--port", std::to_string(port()),
                         "--user-id", "1001", "--username", "alice@example.org", "--password-file",
                         password_file_of("1001").string(), "--json", "-q"});
    ASSERT_NE(alice, nullptr);
    const std::string session_id = expect_client_passed(*alice);
    // Her login, session ID, commands, replies and the end: the watcher saw them all.
    const auto saw = [&](const std::string& topic, const std::string& payload) {
        for (const RawMessage& message : watcher->received()) {
            if (message.topic == topic && (payload.empty() || message.payload == payload)) {
                return true;
            }
        }
        return false;
    };
    ASSERT_TRUE(watcher->run_until([&] { return saw(session_id, std::string(core::kWellDone)); },
                                   kWaitLimit));
    EXPECT_TRUE(saw("login", "1001"));
    EXPECT_TRUE(saw("1001/UUID", session_id));

    // The observer, as if it were the server and Bob: the broker takes the publishes
    // (MQTT 3.1.1 cannot refuse one) and delivers none.
    ASSERT_TRUE(forger->publish("1002/UUID", "forged-session", 1).ok());
    ASSERT_TRUE(forger->publish("login", "1002", 1).ok());
    ASSERT_TRUE(forger->wait_published().ok());
    // Then Bob logs in: had the broker let the forged messages through, they would come first.
    auto bob =
        connect("bob@example.org:raw", "bob@example.org", read_text(password_file_of("1002")));
    ASSERT_NE(bob, nullptr);
    auto bob_session = bob->log_in("1002");
    ASSERT_TRUE(bob_session.ok()) << bob_session.error() << server->describe();
    ASSERT_TRUE(
        watcher->run_until([&] { return saw("1002/UUID", bob_session.value()); }, kWaitLimit));
    EXPECT_FALSE(saw("1002/UUID", "forged-session"));
    int bob_logins = 0;
    for (const RawMessage& message : watcher->received()) {
        if (message.topic == "login" && message.payload == "1002") ++bob_logins;
    }
    EXPECT_EQ(bob_logins, 1);
    EXPECT_EQ(server->events("session").size(), 2U) << server->describe();
    EXPECT_EQ(server->stop(), 0) << server->describe();
}

TEST_F(BrokerDeployment, AddedStudentsPassAndNoOtherStudentsPasswordOrPoolChanges) {
    ASSERT_NO_FATAL_FAILURE(broker_config({}));
    const std::vector<std::string> files = {"passwords",     "session-pool", "acl",
                                            "accounts",      "handout.csv",  "server-password",
                                            "mosquitto.conf"};
    std::vector<std::string> before;
    for (const std::string& file : files) before.push_back(read_text(out() / file));
    const auto added = write_file("added.csv", "username;user_id\ncarol@example.org;1003\n");
    CmdlinkProcess* add = run_cmdlink(
        "broker-config-add", {"broker-config", "--add", added.string(), "--out", out().string()});
    ASSERT_NE(add, nullptr);
    ASSERT_EQ(add->wait_for_exit(), 0) << add->describe();
    // Every file as it was, the new students after it; the rest untouched.
    for (std::size_t i = 0; i < files.size(); ++i) {
        const std::string after = read_text(out() / files[i]);
        EXPECT_EQ(after.substr(0, before[i].size()), before[i]) << files[i];
        if (files[i] == "server-password" || files[i] == "mosquitto.conf") {
            EXPECT_EQ(after, before[i]) << files[i];
        } else {
            EXPECT_GT(after.size(), before[i].size()) << files[i];
        }
    }
    const std::vector<HandoutRow> rows = handout();
    ASSERT_EQ(rows.size(), 4U) << read_text(out() / "handout.csv");
    EXPECT_EQ(rows[3].username, "carol@example.org");
    EXPECT_EQ(rows[3].user_id, "1003");

    ASSERT_NO_FATAL_FAILURE(start_mosquitto({port()}));
    CmdlinkProcess* server = start_roster_server({"--delay", "1", "--stop-after", "2"});
    ASSERT_NE(server, nullptr);
    for (const std::string user_id : {"1003", "1001"}) {
        const std::string username = user_id == "1003" ? "carol@example.org" : "alice@example.org";
        CmdlinkProcess* client = run_cmdlink(
            "client-" + user_id, {"client", "--host", "127.0.0.1", "--port", std::to_string(port()),
                                  "--user-id", user_id, "--username", username, "--password-file",
                                  password_file_of(user_id).string(), "--json", "-q"});
        ASSERT_NE(client, nullptr);
        expect_client_passed(*client);
    }
    expect_server_sessions_passed(*server, 2, std::nullopt);
}

TEST_F(BrokerDeployment, AddingAStudentTheSetupHasAlreadyWritesNothing) {
    ASSERT_NO_FATAL_FAILURE(broker_config({}));
    const std::string passwords = read_text(out() / "passwords");
    const auto added = write_file("added.csv", "username,user_id\nalice@example.org,1004\n");
    CmdlinkProcess* add = run_cmdlink(
        "broker-config-add", {"broker-config", "--add", added.string(), "--out", out().string()});
    ASSERT_NE(add, nullptr);
    EXPECT_EQ(add->wait_for_exit(), 2) << add->describe();
    EXPECT_NE(add->stderr_text().find("user name 'alice@example.org' is in the setup already"),
              std::string::npos)
        << add->describe();
    EXPECT_EQ(read_text(out() / "passwords"), passwords);
}

}  // namespace
}  // namespace cmdlink::integration
