// The Mosquitto 2.0 plugin (interface version 5) that binds logins and client IDs to accounts
// in roster mode (docs/isolation.md). Only the C interface is here; LoginGuard decides.
//
// How Mosquitto 2.0.11 combines it with password_file and acl_file (src/security.c,
// src/security_default.c): plugins are loaded before the two files, and their callbacks are
// appended to one list per event, so ours runs first. The first callback that does not return
// MOSQ_ERR_PLUGIN_DEFER decides. We therefore only ever deny or defer: a client ID we accept
// still needs its password, and a login we accept still needs the acl_file's (or dynamic
// security's) `write login`.
#include <mosquitto.h>
#include <mosquitto_broker.h>
#include <mosquitto_plugin.h>

#include <cstring>
#include <exception>
#include <memory>
#include <new>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "broker_plugin/login_guard.hpp"
#include "broker_plugin/plugin_options.hpp"

#define CMDLINK_PLUGIN_EXPORT __attribute__((visibility("default")))

namespace {

using cmdlink::broker_plugin::Decision;
using cmdlink::broker_plugin::LoginGuard;

constexpr std::string_view kLoginTopic = "login";

struct Plugin {
    mosquitto_plugin_id_t* identifier;
    LoginGuard guard;
};

void log_line(int level, const std::string& line) {
    mosquitto_log_printf(level, "cmdlink_auth: %s", line.c_str());
}

std::optional<std::string_view> username_of(const char* username) {
    if (username == nullptr) return std::nullopt;
    return std::string_view(username);
}

int on_basic_auth(int /*event*/, void* event_data, void* userdata) noexcept {
    try {
        auto* event = static_cast<mosquitto_evt_basic_auth*>(event_data);
        auto* plugin = static_cast<Plugin*>(userdata);
        const char* client_id = mosquitto_client_id(event->client);
        const Decision decision = plugin->guard.on_connect(username_of(event->username),
                                                           client_id == nullptr ? "" : client_id);
        if (decision.allowed) return MOSQ_ERR_PLUGIN_DEFER;
        // A warning, not a notice: a broker that logs only errors and warnings (as the ones
        // cmdlink configures do) must still show the instructor who was refused and why.
        log_line(MOSQ_LOG_WARNING, decision.log_line);
        return MOSQ_ERR_AUTH;
    } catch (const std::exception&) {
        // Out of memory, most likely: refusing is the safe side.
        return MOSQ_ERR_AUTH;
    }
}

int on_acl_check(int /*event*/, void* event_data, void* userdata) noexcept {
    try {
        auto* event = static_cast<mosquitto_evt_acl_check*>(event_data);
        if (event->access != MOSQ_ACL_WRITE || event->topic == nullptr ||
            kLoginTopic != event->topic) {
            return MOSQ_ERR_PLUGIN_DEFER;
        }
        auto* plugin = static_cast<Plugin*>(userdata);
        const std::string_view payload(
            event->payload == nullptr ? "" : static_cast<const char*>(event->payload),
            event->payload == nullptr ? 0 : event->payloadlen);
        const Decision decision =
            plugin->guard.on_login(username_of(mosquitto_client_username(event->client)), payload,
                                   LoginGuard::Clock::now());
        if (decision.allowed) return MOSQ_ERR_PLUGIN_DEFER;
        if (!decision.log_line.empty()) log_line(MOSQ_LOG_WARNING, decision.log_line);
        return MOSQ_ERR_ACL_DENIED;
    } catch (const std::exception&) {
        return MOSQ_ERR_ACL_DENIED;
    }
}

}  // namespace

extern "C" {

CMDLINK_PLUGIN_EXPORT int mosquitto_plugin_version(int supported_version_count,
                                                   const int* supported_versions) {
    for (int i = 0; i < supported_version_count; ++i) {
        if (supported_versions[i] == MOSQ_PLUGIN_VERSION) return MOSQ_PLUGIN_VERSION;
    }
    return -1;
}

CMDLINK_PLUGIN_EXPORT int mosquitto_plugin_init(mosquitto_plugin_id_t* identifier, void** userdata,
                                                struct mosquitto_opt* options, int option_count) {
    try {
        std::vector<std::pair<std::string, std::string>> pairs;
        for (int i = 0; i < option_count; ++i) {
            pairs.emplace_back(options[i].key == nullptr ? "" : options[i].key,
                               options[i].value == nullptr ? "" : options[i].value);
        }
        auto parsed = cmdlink::broker_plugin::parse_plugin_options(pairs);
        if (!parsed) {
            log_line(MOSQ_LOG_ERR, "cannot start: " + parsed.error());
            return MOSQ_ERR_INVAL;
        }
        auto guard = LoginGuard::load(parsed.value());
        if (!guard) {
            log_line(MOSQ_LOG_ERR, "cannot start: " + guard.error());
            return MOSQ_ERR_INVAL;
        }
        auto plugin = std::make_unique<Plugin>(Plugin{identifier, std::move(guard.value())});
        int rc = mosquitto_callback_register(identifier, MOSQ_EVT_BASIC_AUTH, on_basic_auth,
                                             nullptr, plugin.get());
        if (rc == MOSQ_ERR_SUCCESS) {
            rc = mosquitto_callback_register(identifier, MOSQ_EVT_ACL_CHECK, on_acl_check, nullptr,
                                             plugin.get());
            if (rc != MOSQ_ERR_SUCCESS) {
                mosquitto_callback_unregister(identifier, MOSQ_EVT_BASIC_AUTH, on_basic_auth,
                                              nullptr);
            }
        }
        if (rc != MOSQ_ERR_SUCCESS) {
            log_line(MOSQ_LOG_ERR, "cannot register callbacks: error " + std::to_string(rc));
            return rc;
        }
        log_line(MOSQ_LOG_INFO, "binding logins and client IDs of " +
                                    std::to_string(plugin->guard.accounts().user_id_of.size()) +
                                    " students; server account '" +
                                    plugin->guard.accounts().server_user + "'; at most " +
                                    std::to_string(parsed.value().login_rate.per_minute) +
                                    " logins a minute per account, " +
                                    std::to_string(parsed.value().login_rate.burst) + " at once");
        *userdata = plugin.release();
        return MOSQ_ERR_SUCCESS;
    } catch (const std::bad_alloc&) {
        return MOSQ_ERR_NOMEM;
    } catch (const std::exception& error) {
        log_line(MOSQ_LOG_ERR, std::string("cannot start: ") + error.what());
        return MOSQ_ERR_UNKNOWN;
    }
}

CMDLINK_PLUGIN_EXPORT int mosquitto_plugin_cleanup(void* userdata,
                                                   struct mosquitto_opt* /*options*/,
                                                   int /*option_count*/) {
    std::unique_ptr<Plugin> plugin(static_cast<Plugin*>(userdata));
    if (plugin) {
        mosquitto_callback_unregister(plugin->identifier, MOSQ_EVT_BASIC_AUTH, on_basic_auth,
                                      nullptr);
        mosquitto_callback_unregister(plugin->identifier, MOSQ_EVT_ACL_CHECK, on_acl_check,
                                      nullptr);
    }
    return MOSQ_ERR_SUCCESS;
}

}  // extern "C"
