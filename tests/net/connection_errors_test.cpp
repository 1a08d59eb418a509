#include "net/connection_errors.hpp"

#include <gtest/gtest.h>
#include <mosquitto.h>
#include <mqtt_protocol.h>
#include <netdb.h>

#include <cerrno>
#include <string>

namespace cmdlink::net {
namespace {

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

MqttOptions student_options() {
    MqttOptions options;
    options.client_id = "cmdlink-12345";
    options.username = "student";
    options.credentials_origin =
        "user name 'student' (the default: no -u/--username was given), no password";
    return options;
}

const BrokerAddress kBroker{"broker.example", 1883};

TEST(ConnectionErrors, AnUnknownHostIsNamedWithTheFlagToCheck) {
    const std::string text =
        connect_failure_text(MOSQ_ERR_EAI, EAI_NONAME, student_options(), kBroker);
    EXPECT_TRUE(contains(text,
                         "cannot connect to broker.example:1883: host broker.example not "
                         "found"))
        << text;
    EXPECT_TRUE(contains(text, "check the spelling of -h/--host")) << text;
}

TEST(ConnectionErrors, ARefusedConnectionSaysNothingListensOnThePort) {
    const std::string text =
        connect_failure_text(MOSQ_ERR_ERRNO, ECONNREFUSED, student_options(), kBroker);
    EXPECT_EQ(text,
              "cannot connect to broker.example:1883: Connection refused: nothing listens on port "
              "1883 of broker.example (is the broker running? is -p/--port right?)");
}

TEST(ConnectionErrors, AnAnswerThatIsNotMqttIsTakenForAWebSocketPort) {
    const std::string text =
        connect_failure_text(MOSQ_ERR_PROTOCOL, 0, student_options(), {"127.0.0.1", 8080});
    EXPECT_TRUE(contains(text, "port 8080 is probably a WebSocket listener")) << text;
}

TEST(ConnectionErrors, AConnectionClosedBeforeTheConnackWithoutTlsSuggestsTls) {
    const std::string text =
        connect_failure_text(MOSQ_ERR_CONN_LOST, 0, student_options(), {"127.0.0.1", 8883});
    EXPECT_TRUE(contains(text, "port 8883 probably expects TLS (add --tls")) << text;
}

TEST(ConnectionErrors, AFailedTlsHandshakeNamesThePortAndTheTrust) {
    MqttOptions options = student_options();
    options.tls.enabled = true;
    const std::string text = connect_failure_text(MOSQ_ERR_TLS, 0, options, {"127.0.0.1", 1883});
    EXPECT_TRUE(contains(text, "the TLS handshake failed")) << text;
    EXPECT_TRUE(contains(text, "port 1883 may not be a TLS port")) << text;
    EXPECT_TRUE(contains(text, "--cafile")) << text;
}

TEST(ConnectionErrors, NotAuthorisedNamesTheAccountAndWhereItCameFrom) {
    for (const int rc : {int{CONNACK_REFUSED_NOT_AUTHORIZED},
                         int{CONNACK_REFUSED_BAD_USERNAME_PASSWORD}, int{MQTT_RC_NOT_AUTHORIZED}}) {
        const std::string text = connack_refusal_text(rc, student_options());
        EXPECT_TRUE(contains(text,
                             "not authorised as user name 'student' (the default: no "
                             "-u/--username was given), no password"))
            << text;
    }
}

TEST(ConnectionErrors, ASessionTakenOverNamesTheClientIdAndTheFix) {
    const std::string text = disconnect_text(MQTT_RC_SESSION_TAKEN_OVER, student_options());
    EXPECT_TRUE(contains(text, "(0x8E)")) << text;
    EXPECT_TRUE(contains(text,
                         "another client connected with the same client ID "
                         "(cmdlink-12345)"))
        << text;
    EXPECT_TRUE(contains(text, "-i/--client-id")) << text;
}

}  // namespace
}  // namespace cmdlink::net
