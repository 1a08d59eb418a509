#include "broker_plugin/login_guard.hpp"

#include <fstream>
#include <sstream>

namespace cmdlink::broker_plugin {
namespace {

constexpr std::chrono::minutes kDenialLogInterval{1};

std::string describe(const std::optional<std::string_view>& username) {
    return username ? "account '" + std::string(*username) + "'" : "a client without a user name";
}

}  // namespace

core::Result<LoginGuard> LoginGuard::load(const PluginOptions& options) {
    std::ifstream file(options.account_map, std::ios::binary);
    if (!file) return core::Error{"cannot read the account map " + options.account_map};
    std::ostringstream text;
    text << file.rdbuf();
    if (file.bad()) return core::Error{"cannot read the account map " + options.account_map};
    auto map = parse_account_map(text.str());
    if (!map) return core::Error{options.account_map + ": " + map.error()};
    return LoginGuard(std::move(map.value()), options);
}

LoginGuard::LoginGuard(AccountMap map, const PluginOptions& options)
    : map_(std::move(map)), others_(options.other_accounts), rate_(options.login_rate) {}

Decision LoginGuard::on_connect(const std::optional<std::string_view>& username,
                                std::string_view client_id) const {
    auto refusal = client_id_refusal(map_, username, client_id, others_);
    if (!refusal) return {};
    // Refused connections are not throttled in the log: mosquitto logs each one itself.
    return {false, "refused client ID '" + std::string(client_id) + "' for " + describe(username) +
                       ": " + *refusal};
}

Decision LoginGuard::on_login(const std::optional<std::string_view>& username,
                              std::string_view payload, Clock::time_point now) {
    std::string reason;
    const auto student =
        username ? map_.user_id_of.find(std::string(*username)) : map_.user_id_of.end();
    if (student == map_.user_id_of.end()) {
        reason = "only students publish logins";
    } else if (payload != student->second) {
        reason = "the login is not the account's user ID " + student->second;
    } else if (!rate_.admit(student->first, now)) {
        reason =
            "more logins than the account's rate allows (plugin_opt_logins_per_minute, "
            "plugin_opt_login_burst)";
    } else {
        return {};
    }
    return {false, log_denial(username, reason, now)};
}

std::string LoginGuard::log_denial(const std::optional<std::string_view>& username,
                                   const std::string& reason, Clock::time_point now) {
    auto [found, created] = denials_.try_emplace(username ? std::string(*username) : "");
    DenialLog& log = found->second;
    if (!created && now - log.last < kDenialLogInterval) {
        ++log.unlogged;
        return {};
    }
    std::string line = "denied a login from " + describe(username) + ": " + reason;
    if (log.unlogged > 0) {
        line += " (and " + std::to_string(log.unlogged) +
                " denied logins of this account since the last line)";
    }
    log.last = now;
    log.unlogged = 0;
    return line;
}

}  // namespace cmdlink::broker_plugin
