#include "core/client_session.hpp"

#include <utility>

#include "core/protocol.hpp"
#include "core/text_checks.hpp"

namespace cmdlink::core {

std::string_view to_string(ClientOutcome outcome) {
    switch (outcome) {
        case ClientOutcome::kRunning:
            return "running";
        case ClientOutcome::kPassed:
            return "passed";
        case ClientOutcome::kLoginTimeout:
            return "login_timeout";
        case ClientOutcome::kIdleTimeout:
            return "idle_timeout";
    }
    return "unknown";
}

Result<ClientSession> ClientSession::create(ClientOptions options) {
    if (auto why = check_user_id(options.user_id)) return Error{*why};
    if (options.login_qos < 0 || options.login_qos > kMaxQos) {
        return Error{"login QoS must be 0, 1 or 2"};
    }
    return ClientSession(std::move(options));
}

ClientSession::ClientSession(ClientOptions options)
    : options_(std::move(options)), login_topic_(session_id_topic(options_.user_id)) {}

void ClientSession::on_connected(bool session_present, TimePoint now, ClientOutput& out) {
    switch (state_) {
        case State::kIdle:
            login_deadline_ = now + options_.login_timeout;
            subscribe_for_login(out);
            break;
        case State::kSubscribing:
            // The SUBACK we wait for may have died with the old connection.
            subscribe_for_login(out);
            break;
        case State::kAwaitingSession:
            // A broker that lost our session lost the subscription and maybe the login too;
            // logging in again is harmless (the server re-sends the same session ID).
            if (!session_present || options_.login_qos == 0) subscribe_for_login(out);
            break;
        case State::kInSession:
            if (!session_present) out.subscribe(session_id_, kMaxQos);
            break;
        case State::kFinished:
            break;
    }
}

void ClientSession::subscribe_for_login(ClientOutput& out) {
    state_ = State::kSubscribing;
    // Subscribing before the login is published is what makes the login race-free.
    out.subscribe(login_topic_, kMaxQos);
}

void ClientSession::on_subscribed(std::string_view topic, TimePoint /*now*/, ClientOutput& out) {
    if (state_ != State::kSubscribing || topic != login_topic_) return;
    state_ = State::kAwaitingSession;
    login_sent_ = true;
    out.publish(kLoginTopic, options_.user_id, options_.login_qos);
    out.report(client_event::LoginSent{options_.user_id, options_.login_qos});
}

void ClientSession::on_message(std::string_view topic, std::string_view payload, int qos,
                               TimePoint now, ClientOutput& out, bool retained) {
    if (state_ == State::kFinished) {
        ignore(topic, "the exchange is already over", out);
    } else if (retained) {
        // A retained session ID would follow the SUBACK and be taken for the answer to our
        // login; a retained command belongs to nobody's live session.
        ignore(topic, "a retained message from an earlier exchange", out);
    } else if (topic == login_topic_) {
        on_session_id(payload, now, out);
    } else if (state_ == State::kInSession && topic == session_id_) {
        on_command(payload, qos, now, out);
    } else {
        ignore(topic, "not a topic of this session", out);
    }
}

void ClientSession::on_session_id(std::string_view payload, TimePoint now, ClientOutput& out) {
    if (auto why = check_payload(payload)) return ignore(login_topic_, *why, out);
    if (auto why = check_session_id(payload)) return ignore(login_topic_, *why, out);
    if (state_ == State::kInSession) {
        if (payload != session_id_) {
            ignore(login_topic_,
                   "a second session ID " + printable(payload) + "; keeping " + session_id_, out);
        }
        return;
    }
    if (!login_sent_) {
        // Only a message queued for an earlier run can precede our own login.
        return ignore(login_topic_, "a session ID that arrived before the login was sent", out);
    }
    state_ = State::kInSession;
    session_id_.assign(payload);
    reply_topic_ = session_id_ + "/";
    reply_prefix_size_ = reply_topic_.size();
    idle_deadline_ = now + options_.idle_timeout;
    out.subscribe(session_id_, kMaxQos);
    out.report(client_event::SessionAssigned{session_id_});
}

void ClientSession::on_command(std::string_view payload, int qos, TimePoint now,
                               ClientOutput& out) {
    idle_deadline_ = now + options_.idle_timeout;
    if (payload == kWellDone) return finish(ClientOutcome::kPassed, out);
    if (auto why = check_payload(payload)) return ignore(session_id_, *why, out);
    ++counts_.commands;
    const auto index = options_.table.find(payload);
    if (!index) {
        ++counts_.unknown;
        out.report(client_event::UnknownCommand{payload, qos});
        return;
    }
    const CommandEntry& entry = options_.table.at(*index);
    reply_topic_.resize(reply_prefix_size_);
    reply_topic_ += entry.command;
    // The reply goes out at the QoS the command was delivered with: PROTOCOL.md's rule.
    out.publish(reply_topic_, entry.reply, qos);
    ++counts_.replies;
    out.report(client_event::CommandAnswered{entry.command, entry.reply, qos});
}

void ClientSession::on_timer(TimePoint now, ClientOutput& out) {
    if (now < next_deadline()) return;
    if (state_ == State::kInSession) {
        finish(ClientOutcome::kIdleTimeout, out);
    } else if (state_ == State::kSubscribing || state_ == State::kAwaitingSession) {
        finish(ClientOutcome::kLoginTimeout, out);
    }
}

TimePoint ClientSession::next_deadline() const {
    switch (state_) {
        case State::kSubscribing:
        case State::kAwaitingSession:
            return login_deadline_;
        case State::kInSession:
            return idle_deadline_;
        case State::kIdle:
        case State::kFinished:
            break;
    }
    return kNever;
}

void ClientSession::ignore(std::string_view topic, std::string reason, ClientOutput& out) {
    ++counts_.ignored;
    out.report(client_event::Ignored{topic, std::move(reason)});
}

void ClientSession::finish(ClientOutcome outcome, ClientOutput& out) {
    const bool had_session = state_ == State::kInSession;
    state_ = State::kFinished;
    outcome_ = outcome;
    // Reported first: the disconnect below may complete, and close the run, synchronously.
    out.report(client_event::Finished{outcome});
    // Leave nothing subscribed in the persistent session for a later run to trip over.
    if (had_session) out.unsubscribe(session_id_);
    out.unsubscribe(login_topic_);
    out.disconnect();
}

}  // namespace cmdlink::core
