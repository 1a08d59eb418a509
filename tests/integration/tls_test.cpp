// TLS end to end: a broker listening with a certificate from a CA made for the test.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "broker/child_process.hpp"
#include "broker/temp_directory.hpp"
#include "exchange_checks.hpp"
#include "integration_support.hpp"

namespace cmdlink::integration {
namespace {

// Runs openssl with `arguments`; the failure says what openssl printed.
void openssl(const std::filesystem::path& directory, const std::vector<std::string>& arguments) {
    const auto output = directory / "openssl.out";
    auto process = broker::ChildProcess::spawn("/usr/bin/openssl", arguments, output);
    ASSERT_TRUE(process.ok()) << process.error();
    auto status = process.value().wait_for_exit(std::chrono::seconds(30));
    ASSERT_TRUE(status.ok()) << status.error();
    ASSERT_TRUE(status.value().has_value()) << "openssl did not finish";
    ASSERT_EQ(*status.value(), 0) << read_text(output);
}

class TlsExchange : public BrokerTest {
  protected:
    // One CA and one server certificate (for IP 127.0.0.1) serve every test of the suite.
    static void SetUpTestSuite() {
        auto directory = broker::TempDirectory::create("cmdlink-tls");
        ASSERT_TRUE(directory.ok()) << directory.error();
        certificates_.emplace(std::move(directory.value()));
        const std::filesystem::path& dir = certificates_->path();
        const auto path = [&](const char* name) { return (dir / name).string(); };
        openssl(dir, {"req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
                      "/CN=cmdlink test CA", "-keyout", path("ca.key"), "-out", path("ca.crt")});
        openssl(dir, {"req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-keyout",
                      path("server.key"), "-out", path("server.csr")});
        openssl(dir, {"x509", "-req", "-in", path("server.csr"), "-CA", path("ca.crt"), "-CAkey",
                      path("ca.key"), "-CAcreateserial", "-days", "2", "-out", path("server.crt"),
                      "-extfile", write_extensions(dir)});
    }

    static void TearDownTestSuite() { certificates_.reset(); }

    static std::string write_extensions(const std::filesystem::path& dir) {
        const auto file = dir / "server.ext";
        std::ofstream(file) << "subjectAltName=IP:127.0.0.1\n";
        return file.string();
    }

    [[nodiscard]] broker::BrokerOptions broker_options() const override {
        const std::filesystem::path& dir = certificates_->path();
        broker::BrokerOptions options;
        // Per-listener settings: they make the broker's only listener a TLS one.
        options.extra_config = "cafile " + (dir / "ca.crt").string() + "\ncertfile " +
                               (dir / "server.crt").string() + "\nkeyfile " +
                               (dir / "server.key").string() + "\n";
        return options;
    }

    [[nodiscard]] std::string ca_file() const {
        return (certificates_->path() / "ca.crt").string();
    }

    static inline std::optional<broker::TempDirectory> certificates_;
};

TEST_F(TlsExchange, ClientPassesOverTlsWithTheCaFile) {
    CmdlinkProcess* server = start_server(
        {"--tls", "--cafile", ca_file(), "--delay", "0.1", "--qos", "2", "--stop-after", "1"});
    ASSERT_NE(server, nullptr);
    CmdlinkProcess* client =
        start_client("tls-device", {"--tls", "--cafile", ca_file(), "--idle-timeout", "5"});
    ASSERT_NE(client, nullptr);
    expect_client_passed(*client);
    expect_server_sessions_passed(*server, 1, 2);
}

TEST_F(TlsExchange, ClientPassesWithAnMqttsUrl) {
    CmdlinkProcess* server = start_server(
        {"--tls", "--cafile", ca_file(), "--delay", "0.1", "--qos", "2", "--stop-after", "1"});
    ASSERT_NE(server, nullptr);
    // As a student would be given it: the URL, and the CA of the course broker.
    CmdlinkProcess* client = run_cmdlink(
        "client", {"client", "-L", "mqtts://127.0.0.1:" + port_text(), "--cafile", ca_file(),
                   "--user-id", "tls-url-device", "--json", "-q", "--idle-timeout", "5"});
    ASSERT_NE(client, nullptr);
    expect_client_passed(*client);
    expect_server_sessions_passed(*server, 1, 2);
}

TEST_F(TlsExchange, UntrustedBrokerCertificateExitsWithCannotConnect) {
    // Without --cafile the system trust store is used, and it does not know the test CA.
    CmdlinkProcess* client = start_client("untrusting-device", {"--tls", "--connect-timeout", "3"});
    ASSERT_NE(client, nullptr);
    EXPECT_EQ(client->wait_for_exit(), 3) << client->describe();
    EXPECT_FALSE(client->events("error").empty()) << client->describe();
}

TEST_F(TlsExchange, UntrustedBrokerCertificateIsNamedAsSuch) {
    CmdlinkProcess* client = start_client("untrusting-device", {"--tls", "--connect-timeout", "3"});
    ASSERT_NE(client, nullptr);
    EXPECT_EQ(client->wait_for_exit(), 3) << client->describe();
    EXPECT_NE(client->stderr_text().find("the TLS handshake failed"), std::string::npos)
        << client->describe();
    EXPECT_NE(client->stderr_text().find("--cafile"), std::string::npos) << client->describe();
}

TEST_F(TlsExchange, AClientWithoutTlsOnATlsPortIsToldToAddTls) {
    CmdlinkProcess* client = start_client("plain-device", {"--connect-timeout", "3"});
    ASSERT_NE(client, nullptr);
    EXPECT_EQ(client->wait_for_exit(), 3) << client->describe();
    EXPECT_NE(client->stderr_text().find("probably expects TLS (add --tls"), std::string::npos)
        << client->describe();
}

}  // namespace
}  // namespace cmdlink::integration
