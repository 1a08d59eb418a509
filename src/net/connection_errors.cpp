#include "net/connection_errors.hpp"

#include <mosquitto.h>
#include <mqtt_protocol.h>
#include <netdb.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace cmdlink::net {
namespace {

std::string hex_code(int rc) {
    char code[16];
    std::snprintf(code, sizeof code, "0x%02X", rc);
    return code;
}

std::string account(const MqttOptions& options) {
    if (!options.credentials_origin.empty()) return options.credentials_origin;
    if (!options.username) return "no user name (anonymous)";
    return "user name '" + *options.username + "'";
}

std::string taken_over(const MqttOptions& options) {
    return "another client connected with the same client ID (" + options.client_id +
           ") and the broker closed this connection for it (session taken over): only one "
           "client can use a client ID at a time; stop the other one (another terminal, another "
           "machine?), or give this one its own with -i/--client-id";
}

}  // namespace

std::string connect_failure_text(int rc, int system_error, const MqttOptions& options,
                                 const BrokerAddress& broker) {
    const std::string where = to_string(broker);
    const std::string prefix = "cannot connect to " + where + ": ";
    if (rc == MOSQ_ERR_EAI) {
        return prefix + "host " + broker.host + " not found (" + ::gai_strerror(system_error) +
               "): check the spelling of -h/--host";
    }
    if (rc == MOSQ_ERR_ERRNO || system_error != 0) {
        switch (system_error) {
            case ECONNREFUSED:
                return prefix + "Connection refused: nothing listens on port " +
                       std::to_string(broker.port) + " of " + broker.host +
                       " (is the broker running? is -p/--port right?)";
            case ETIMEDOUT:
            case EHOSTUNREACH:
            case ENETUNREACH:
                return prefix + std::strerror(system_error) + ": no answer from " + broker.host +
                       " (a wrong address, or a firewall in the way)";
            default:
                if (system_error != 0) return prefix + std::strerror(system_error);
        }
    }
    if (rc == MOSQ_ERR_PROTOCOL) {
        return prefix + "the answer was not MQTT: port " + std::to_string(broker.port) +
               " is probably a WebSocket listener, and cmdlink speaks MQTT over TCP; use the "
               "broker's MQTT port (usually 1883, or 8883 with --tls)";
    }
    if (options.tls.enabled && (rc == MOSQ_ERR_TLS || rc == MOSQ_ERR_CONN_LOST)) {
        return prefix + "the TLS handshake failed (" + mosquitto_strerror(rc) + "): port " +
               std::to_string(broker.port) +
               " may not be a TLS port (plain MQTT is usually 1883: drop --tls), or the "
               "broker's certificate is not trusted (--cafile, or --insecure for a test broker "
               "whose certificate names another host)";
    }
    if (rc == MOSQ_ERR_CONN_LOST) {
        return prefix + "the broker closed the connection before answering: port " +
               std::to_string(broker.port) +
               " probably expects TLS (add --tls; TLS ports are usually 8883), or the broker "
               "turned us away without saying why (its log says)";
    }
    return prefix + mosquitto_strerror(rc);
}

std::string connack_refusal_text(int rc, const MqttOptions& options) {
    const std::string said = rc < 128 ? mosquitto_connack_string(rc) : mosquitto_reason_string(rc);
    std::string prefix = "the broker refused the connection (" + said + ")";
    switch (rc) {
        case CONNACK_REFUSED_BAD_USERNAME_PASSWORD:
        case CONNACK_REFUSED_NOT_AUTHORIZED:
        case MQTT_RC_BAD_USERNAME_OR_PASSWORD:
        case MQTT_RC_NOT_AUTHORIZED:
            return prefix + ": not authorised as " + account(options) +
                   ": check the user name (-u/--username) and the password the instructor gave "
                   "you";
        case CONNACK_REFUSED_IDENTIFIER_REJECTED:
        case MQTT_RC_CLIENTID_NOT_VALID:
            return prefix + ": the broker does not accept the client ID " + options.client_id +
                   ": give another with -i/--client-id";
        case CONNACK_REFUSED_PROTOCOL_VERSION:
        case MQTT_RC_UNSUPPORTED_PROTOCOL_VERSION:
            return prefix + ": try the other MQTT version (-V 311 or -V 5)";
        case CONNACK_REFUSED_SERVER_UNAVAILABLE:
        case MQTT_RC_SERVER_UNAVAILABLE:
        case MQTT_RC_SERVER_BUSY:
            return prefix + ": the broker cannot take us now; trying again";
        default:
            return prefix;
    }
}

std::string disconnect_text(int rc, const MqttOptions& options) {
    if (rc == MQTT_RC_SESSION_TAKEN_OVER) {
        return "the broker disconnected us (" + hex_code(rc) + "): " + taken_over(options);
    }
    if (rc >= MQTT_RC_UNSPECIFIED) {
        return "the broker disconnected us (" + hex_code(rc) + "): " + mosquitto_reason_string(rc);
    }
    return mosquitto_strerror(rc);
}

}  // namespace cmdlink::net
