#include "apps/output/server_transcript.hpp"

#include <chrono>

#include "apps/output/latency_json.hpp"
#include "core/text_checks.hpp"

namespace cmdlink::apps {
namespace {

double ms(core::Duration duration) {
    return std::chrono::duration<double, std::milli>(duration).count();
}

}  // namespace

ServerTranscript::ServerTranscript(Console& console,
                                   std::function<void(std::string_view)> on_stopped,
                                   std::function<void(const core::ServerEvent&)> after_event)
    : console_(console), on_stopped_(std::move(on_stopped)), after_event_(std::move(after_event)) {}

void ServerTranscript::emit(nlohmann::json event) const {
    event["role"] = "server";
    console_.emit(std::move(event));
}

void ServerTranscript::on_connected(const runner::ServerRunner& /*runner*/, bool first,
                                    bool session_present) {
    console_.log().info("server {} (broker kept our session: {})",
                        first ? "connected" : "reconnected", session_present ? "yes" : "no");
    emit({{"event", first ? "connected" : "reconnect"}, {"session_present", session_present}});
}

void ServerTranscript::on_connection_lost(const runner::ServerRunner& runner,
                                          std::string_view reason) {
    if (!runner.ever_connected()) {
        // Said once at warning level; the retries that follow only in verbose mode.
        const bool first_failure = runner.connection().stats().reconnects == 0;
        console_.log().log(first_failure ? spdlog::level::warn : spdlog::level::debug,
                           "server: {}; trying again until the connect timeout", reason);
        emit({{"event", "connect_retry"}, {"reason", std::string(reason)}});
        return;
    }
    console_.log().warn("server: {}; reconnecting", reason);
    emit({{"event", "connection_lost"}, {"reason", std::string(reason)}});
}

void ServerTranscript::on_server_event(const runner::ServerRunner& /*runner*/,
                                       const core::ServerEvent& event) {
    namespace ev = core::server_event;
    const double t_ms = ms(core::Clock::now() - started_);
    if (const auto* refused = std::get_if<ev::LoginRefused>(&event)) {
        const std::string user = core::printable(refused->user_id);
        if (refused->count == 1) {
            console_.log().warn("login '{}' refused: {}", user, refused->reason);
        } else {
            console_.log().warn(
                "{} more logins refused in the last second (from {}): {}", refused->count,
                user.empty() ? std::string("several user IDs") : "'" + user + "'", refused->reason);
        }
        emit({{"event", "login_refused"},
              {"t_ms", t_ms},
              {"user_id", user},
              {"reason", refused->reason},
              {"count", refused->count}});
    } else if (const auto* issued = std::get_if<ev::SessionIssued>(&event)) {
        console_.log().info("{} -> session {}{}", issued->user_id, issued->session_id,
                            issued->repeated ? " (repeated login: same session ID)" : "");
        emit({{"event", "session"},
              {"t_ms", t_ms},
              {"user_id", std::string(issued->user_id)},
              {"session_id", std::string(issued->session_id)},
              {"repeated", issued->repeated}});
    } else if (const auto* sent = std::get_if<ev::CommandSent>(&event)) {
        console_.log().debug("{} <- {} (QoS {}){}", sent->session_id, sent->command, sent->qos,
                             sent->resent ? ", sent again after a restart" : "");
        emit({{"event", "command"},
              {"t_ms", t_ms},
              {"session_id", std::string(sent->session_id)},
              {"command", std::string(sent->command)},
              {"qos", sent->qos},
              {"index", sent->index},
              {"resent", sent->resent}});
    } else if (const auto* reply = std::get_if<ev::ReplyChecked>(&event)) {
        const std::string word = core::printable(reply->word);
        const std::string command = core::printable(reply->command);
        const std::string_view verdict = core::to_string(reply->verdict);
        const bool fine = reply->verdict == core::Verdict::kCorrect;
        if (reply->latency > core::Duration::zero()) reply_latency_.record(reply->latency);
        console_.log().log(fine ? spdlog::level::debug : spdlog::level::warn,
                           "{} -> {} '{}' (QoS {}): {}", core::printable(reply->session_id),
                           command, word, reply->qos, verdict);
        emit({{"event", "reply"},
              {"t_ms", t_ms},
              {"session_id", core::printable(reply->session_id)},
              {"command", command},
              {"word", word},
              {"qos", reply->qos},
              {"verdict", std::string(verdict)},
              {"latency_ms", ms(reply->latency)}});
    } else if (const auto* ended = std::get_if<ev::SessionEnded>(&event)) {
        const core::SessionSummary& s = ended->summary;
        const bool passed = s.outcome == core::SessionOutcome::kPassed;
        console_.log().log(passed ? spdlog::level::info : spdlog::level::warn,
                           "{} session {} {}{}{}: {} commands, {} answered, {} low QoS, {} wrong, "
                           "{} surplus, {:.1f} ms",
                           s.user_id, s.session_id, core::to_string(s.outcome),
                           s.reason.empty() ? "" : " (", s.reason.empty() ? "" : s.reason + ")",
                           s.commands, s.correct, s.low_qos, s.wrong, s.surplus,
                           ms(s.ended_at - s.login_at));
        emit({{"event", "session_end"},
              {"t_ms", t_ms},
              {"user_id", std::string(s.user_id)},
              {"session_id", std::string(s.session_id)},
              {"outcome", std::string(core::to_string(s.outcome))},
              {"reason", s.reason},
              {"commands", s.commands},
              {"correct", s.correct},
              {"low_qos", s.low_qos},
              {"wrong", s.wrong},
              {"surplus", s.surplus},
              {"duration_ms", ms(s.ended_at - s.login_at)}});
    } else if (const auto* refused = std::get_if<ev::SubscriptionRefused>(&event)) {
        console_.log().error("{}", refused->reason);
        emit({{"event", "subscription_refused"},
              {"t_ms", t_ms},
              {"topic", core::printable(refused->topic)},
              {"reason", refused->reason}});
    } else if (const auto* ignored = std::get_if<ev::MessageIgnored>(&event)) {
        const std::string topic = core::printable(ignored->topic);
        console_.log().warn("ignored a message on '{}': {}", topic, ignored->reason);
        emit({{"event", "ignored"}, {"t_ms", t_ms}, {"topic", topic}, {"reason", ignored->reason}});
    }
    if (after_event_) after_event_(event);
}

void ServerTranscript::on_request_failed(const runner::ServerRunner& /*runner*/,
                                         std::string_view reason) {
    console_.log().warn("an MQTT request failed: {}", reason);
    emit({{"event", "request_failed"}, {"reason", std::string(reason)}});
}

void ServerTranscript::on_ready(const runner::ServerRunner& /*runner*/) {
    if (on_ready_) on_ready_();
}

void ServerTranscript::on_stopped(const runner::ServerRunner& runner, std::string_view reason) {
    // A server that never connected stopped on an error: every line about it says so.
    const bool failed = !runner.ever_connected();
    if (failed) console_.log().error("server: {}", reason);
    const auto& counts = runner.issuer().counts();
    console_.log().log(failed ? spdlog::level::err : spdlog::level::info,
                       "server stopped ({}): {} logins, {} refused, {} passed, {} not passed",
                       reason, counts.logins, counts.logins_refused, counts.passed, counts.failed);
    const auto us = [&](double fraction) { return microseconds_at(reply_latency_, fraction); };
    if (reply_latency_.count() > 0) {
        console_.log().info(
            "command-to-reply latency over {} replies: p50 {:.0f} us, p90 {:.0f} "
            "us, p99 {:.0f} us, max {:.0f} us",
            reply_latency_.count(), us(0.5), us(0.9), us(0.99), us(1.0));
    }
    emit({{"event", "summary"},
          {"reason", std::string(reason)},
          {"logins", counts.logins},
          {"logins_refused", counts.logins_refused},
          {"passed", counts.passed},
          {"failed", counts.failed},
          {"commands", counts.commands},
          {"replies", counts.replies},
          {"latency_ms", latency_json(reply_latency_)}});
    if (on_stopped_) on_stopped_(reason);
}

}  // namespace cmdlink::apps
