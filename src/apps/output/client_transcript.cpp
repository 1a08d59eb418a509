#include "apps/output/client_transcript.hpp"

#include <spdlog/spdlog.h>

#include <chrono>

#include "core/session_verdict.hpp"
#include "core/text_checks.hpp"

namespace cmdlink::apps {
namespace {

double ms_between(core::TimePoint from, core::TimePoint to) {
    if (from == core::kNever || to == core::kNever) return -1.0;
    return std::chrono::duration<double, std::milli>(to - from).count();
}

// A span for the summary: "12.3 ms", or "none" when it never happened (no session ID, no end).
std::string shown_span(core::TimePoint from, core::TimePoint to) {
    if (from == core::kNever || to == core::kNever) return "none";
    return fmt::format("{:.1f} ms", ms_between(from, to));
}

// The same for --json: milliseconds, or null.
nlohmann::json json_span(core::TimePoint from, core::TimePoint to) {
    if (from == core::kNever || to == core::kNever) return nullptr;
    return ms_between(from, to);
}

}  // namespace

ClientTranscript::ClientTranscript(Console& console, bool label_with_user_id,
                                   std::function<void(const runner::ClientRunner&)> on_finished)
    : console_(console),
      label_with_user_id_(label_with_user_id),
      on_finished_(std::move(on_finished)) {}

std::string ClientTranscript::label(const runner::ClientRunner& runner) const {
    return label_with_user_id_ ? runner.session().user_id() + ": " : std::string();
}

nlohmann::json ClientTranscript::event(const runner::ClientRunner& runner, const char* name) const {
    return {{"event", name},
            {"role", "client"},
            {"user_id", runner.session().user_id()},
            {"t_ms", ms_between(runner.timings().started, core::Clock::now())}};
}

void ClientTranscript::on_connected(const runner::ClientRunner& runner, bool first,
                                    bool session_present) {
    const auto& options = runner.connection().options();
    console_.log().info("{}{} {} as {} (MQTT {}{}, broker kept our session: {})", label(runner),
                        first ? "connected to" : "reconnected to",
                        net::to_string(runner.connection().broker()), options.client_id,
                        options.version == net::MqttVersion::kV5 ? "5" : "3.1.1",
                        options.tls.enabled ? ", TLS" : "", session_present ? "yes" : "no");
    auto json = event(runner, first ? "connected" : "reconnect");
    json["session_present"] = session_present;
    json["client_id"] = options.client_id;
    json["broker"] = net::to_string(runner.connection().broker());
    console_.emit(json);
}

void ClientTranscript::on_connection_lost(const runner::ClientRunner& runner,
                                          std::string_view reason) {
    if (runner.timings().connected == core::kNever) {
        // Said once at warning level; the retries that follow only in verbose mode.
        const bool first_failure = runner.connection().stats().reconnects == 0;
        console_.log().log(first_failure ? spdlog::level::warn : spdlog::level::debug,
                           "{}{}; trying again until the connect timeout", label(runner), reason);
        auto json = event(runner, "connect_retry");
        json["reason"] = std::string(reason);
        console_.emit(json);
        return;
    }
    console_.log().warn("{}{}; reconnecting with the persistent session", label(runner), reason);
    auto json = event(runner, "reconnect");
    json["lost"] = std::string(reason);
    console_.emit(json);
}

void ClientTranscript::on_session_event(const runner::ClientRunner& runner,
                                        const core::ClientEvent& event_variant) {
    namespace ev = core::client_event;
    if (const auto* login = std::get_if<ev::LoginSent>(&event_variant)) {
        if (login->attempt > 1) {
            console_.log().info("{}login sent again (attempt {}, no session ID yet): {} (QoS {})",
                                label(runner), login->attempt, login->user_id, login->qos);
        } else {
            console_.log().info("{}login sent: {} (QoS {})", label(runner), login->user_id,
                                login->qos);
        }
    } else if (const auto* session = std::get_if<ev::SessionAssigned>(&event_variant)) {
        console_.log().info("{}session ID: {} ({:.1f} ms after the login)", label(runner),
                            session->session_id,
                            ms_between(runner.timings().login_sent, core::Clock::now()));
        auto json = event(runner, "session");
        json["session_id"] = std::string(session->session_id);
        console_.emit(json);
    } else if (const auto* answered = std::get_if<ev::CommandAnswered>(&event_variant)) {
        console_.log().info("{}{} (QoS {}) -> {}", label(runner), answered->command, answered->qos,
                            answered->reply);
        if (console_.json()) {
            auto command = event(runner, "command");
            command["command"] = std::string(answered->command);
            command["qos"] = answered->qos;
            console_.emit(command);
            auto reply = event(runner, "reply");
            reply["command"] = std::string(answered->command);
            reply["reply"] = std::string(answered->reply);
            reply["qos"] = answered->qos;
            console_.emit(reply);
        }
    } else if (const auto* unknown = std::get_if<ev::UnknownCommand>(&event_variant)) {
        const std::string shown = core::printable(unknown->command);
        console_.log().warn("{}unknown command '{}' (QoS {}): not in the command table, no reply",
                            label(runner), shown, unknown->qos);
        auto json = event(runner, "unknown_command");
        json["command"] = shown;
        json["qos"] = unknown->qos;
        console_.emit(json);
    } else if (const auto* ignored = std::get_if<ev::Ignored>(&event_variant)) {
        console_.log().warn("{}ignored a message on '{}': {}", label(runner),
                            core::printable(ignored->topic), ignored->reason);
        auto json = event(runner, "ignored");
        json["topic"] = core::printable(ignored->topic);
        json["reason"] = ignored->reason;
        console_.emit(json);
    } else if (const auto* verdict = std::get_if<ev::VerdictReceived>(&event_variant)) {
        if (verdict->login_refused) {
            console_.log().warn(
                "{}the server refused the login: {} (trying again until the login timeout)",
                label(runner), core::printable(verdict->reason, core::kMaxVerdictBytes));
            auto json = event(runner, "login_refused");
            json["reason"] = core::printable(verdict->reason, core::kMaxVerdictBytes);
            console_.emit(json);
            return;
        }
        const bool passed = verdict->outcome == core::SessionOutcome::kPassed;
        console_.log().log(
            passed ? spdlog::level::info : spdlog::level::err,
            "{}the server's verdict: {}{}{} ({} commands: {} correct, {} at a lower QoS, {} "
            "wrong, {} surplus)",
            label(runner), core::to_string(verdict->outcome), verdict->reason.empty() ? "" : ", ",
            core::printable(verdict->reason, core::kMaxVerdictBytes), verdict->commands,
            verdict->correct, verdict->low_qos, verdict->wrong, verdict->surplus);
        auto json = event(runner, "verdict");
        json["session_id"] = std::string(verdict->session_id);
        json["outcome"] = std::string(core::to_string(verdict->outcome));
        json["reason"] = core::printable(verdict->reason, core::kMaxVerdictBytes);
        json["commands"] = verdict->commands;
        json["correct"] = verdict->correct;
        json["low_qos"] = verdict->low_qos;
        json["wrong"] = verdict->wrong;
        json["surplus"] = verdict->surplus;
        console_.emit(json);
    } else if (const auto* finished = std::get_if<ev::Finished>(&event_variant)) {
        if (finished->outcome == core::ClientOutcome::kPassed) {
            console_.log().info("{}Well done my IoT!", label(runner));
        }
    }
}

void ClientTranscript::on_request_failed(const runner::ClientRunner& runner,
                                         std::string_view reason) {
    console_.log().warn("{}an MQTT request failed: {}", label(runner), reason);
    auto json = event(runner, "request_failed");
    json["reason"] = std::string(reason);
    console_.emit(json);
}

void ClientTranscript::on_packet_log(const runner::ClientRunner& runner, std::string_view line) {
    console_.log().debug("{}mqtt: {}", label(runner), line);
}

void ClientTranscript::on_finished(const runner::ClientRunner& runner) {
    summarise(runner);
    if (on_finished_) on_finished_(runner);
}

void ClientTranscript::summarise(const runner::ClientRunner& runner) {
    const auto& counts = runner.session().counts();
    const auto& timings = runner.timings();
    const bool passed = runner.end() == runner::ClientEnd::kPassed;
    if (!passed) {
        console_.log().error("{}{}", label(runner), runner.end_message());
        auto json = event(runner, "error");
        json["reason"] = std::string(runner::to_string(runner.end()));
        json["message"] = runner.end_message();
        console_.emit(json);
    } else {
        console_.emit(event(runner, "done"));
    }
    console_.log().log(
        passed ? spdlog::level::info : spdlog::level::warn,
        "{}{}: {} commands, {} replies, {} unknown, {} ignored; login to session "
        "ID {}, whole exchange {}, {} reconnects",
        label(runner), runner::to_string(runner.end()), counts.commands, counts.replies,
        counts.unknown, counts.ignored, shown_span(timings.login_sent, timings.session_assigned),
        shown_span(timings.started, timings.ended), runner.connection().stats().reconnects);
    auto json = event(runner, "summary");
    json["outcome"] = std::string(runner::to_string(runner.end()));
    json["session_id"] = runner.session().session_id();
    json["commands"] = counts.commands;
    json["replies"] = counts.replies;
    json["unknown"] = counts.unknown;
    json["ignored"] = counts.ignored;
    json["reconnects"] = runner.connection().stats().reconnects;
    json["login_to_session_ms"] = json_span(timings.login_sent, timings.session_assigned);
    json["total_ms"] = json_span(timings.started, timings.ended);
    console_.emit(json);
}

}  // namespace cmdlink::apps
