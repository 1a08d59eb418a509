#include "apps/output/server_startup_line.hpp"

#include <chrono>
#include <cmath>
#include <sstream>

namespace cmdlink::apps {
namespace {

std::string seconds_text(core::Duration duration) {
    std::ostringstream text;
    text << std::chrono::duration<double>(duration).count() << " s";
    return text.str();
}

std::string transport(const net::TlsOptions& tls) {
    if (!tls.enabled) return "plain TCP, no TLS";
    std::string text =
        "TLS, CA " + (tls.ca_file.empty() ? std::string("system store") : tls.ca_file);
    if (!tls.cert_file.empty()) text += ", client certificate " + tls.cert_file;
    if (tls.insecure) text += ", host name not checked (--insecure)";
    return text;
}

std::string broker_part(const net::MqttOptions& mqtt) {
    std::string text =
        "broker " + net::to_string({mqtt.host, mqtt.port}) + " (" + transport(mqtt.tls) + ")";
    if (!mqtt.failover.empty()) {
        text += ", failover";
        for (const net::BrokerAddress& address : mqtt.failover)
            text += " " + net::to_string(address);
    }
    return text;
}

std::string policy_part(const core::ServerPolicy& policy) {
    std::string text = "policy QoS " + (policy.qos ? std::to_string(*policy.qos) : "random");
    text += ", commands " + std::to_string(policy.min_commands);
    if (policy.max_commands != policy.min_commands) {
        text += "-" + std::to_string(policy.max_commands);
    }
    text += " of a table of " + std::to_string(policy.table.size());
    text += ", delay " + seconds_text(policy.delay);
    text += ", session timeout " + seconds_text(policy.session_timeout);
    text += policy.pacing == core::Pacing::kLockstep ? ", lockstep" : ", burst";
    text += policy.strict ? ", strict" : ", not strict";
    text += ", max sessions " + (policy.max_sessions == 0 ? std::string("unlimited")
                                                          : std::to_string(policy.max_sessions));
    if (policy.login_subscription != "login") text += ", logins from " + policy.login_subscription;
    return text;
}

}  // namespace

std::string describe_server_startup(const ServerStartup& startup) {
    const net::MqttOptions& mqtt = *startup.mqtt;
    std::string line = "starting: " + broker_part(mqtt);
    line += "; account " + mqtt.username.value_or("anonymous") +
            " (password: " + startup.password_source + "), client ID " + mqtt.client_id;
    line += "; ledger " + startup.ledger;
    line += "; session pool " +
            (startup.session_pool.empty() ? std::string("none") : startup.session_pool);
    if (startup.grant_sessions) line += " (sessions granted through dynamic security)";
    line += "; " + policy_part(*startup.policy);
    return line;
}

}  // namespace cmdlink::apps
