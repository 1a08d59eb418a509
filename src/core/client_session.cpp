#include "core/client_session.hpp"

#include <algorithm>
#include <utility>

#include "core/protocol.hpp"
#include "core/session_verdict.hpp"
#include "core/text_checks.hpp"

namespace cmdlink::core {

Result<ClientSession> ClientSession::create(ClientOptions options) {
    if (auto why = check_user_id(options.user_id)) return Error{*why};
    if (options.login_qos < 0 || options.login_qos > kMaxQos) {
        return Error{"login QoS must be 0, 1 or 2"};
    }
    if (options.login_retry <= Duration::zero()) {
        return Error{"the login retry interval must be longer than zero"};
    }
    return ClientSession(std::move(options));
}

ClientSession::ClientSession(ClientOptions options)
    : options_(std::move(options)),
      login_topic_(session_id_topic(options_.user_id)),
      result_topic_(options_.hear_verdict ? result_topic(options_.user_id) : std::string()) {}

void ClientSession::on_connected(bool session_present, TimePoint now) {
    switch (state_) {
        case State::kIdle:
            login_deadline_ = now + options_.login_timeout;
            subscribe_for_login();
            break;
        case State::kSubscribing:
            // The SUBACK we wait for may have died with the old connection.
            subscribe_for_login();
            break;
        case State::kAwaitingSession:
            // A broker that lost our session lost the subscription and maybe the login too;
            // logging in again is harmless (the server re-sends the same session ID). One that
            // kept it has the subscription (its SUBACK came) and libmosquitto re-sends a QoS
            // 1/2 login still in flight; subscribing again costs nothing and the login retry
            // covers a login lost anyway.
            if (!session_present || options_.login_qos == 0) {
                subscribe_for_login();
            } else {
                subscribe_login_topics();
            }
            break;
        case State::kInSession:
            // A SUBSCRIBE sent just before the connection died may never have reached the
            // broker, session present or not. The session ID topic stays subscribed: a newer
            // session ID may still come.
            subscribe_login_topics();
            outbox_.subscribe(session_id_, kMaxQos);
            break;
        case State::kFinished:
            break;
    }
}

void ClientSession::subscribe_for_login() {
    state_ = State::kSubscribing;
    // Subscribing before the login is published is what makes the login race-free.
    outbox_.subscribe(login_topic_, kMaxQos);
}

void ClientSession::subscribe_login_topics() {
    if (!result_topic_.empty()) outbox_.subscribe(result_topic_, kMaxQos);
    outbox_.subscribe(login_topic_, kMaxQos);
}

void ClientSession::on_subscribed(std::string_view topic, int granted_qos, TimePoint now) {
    if (state_ == State::kFinished) return;
    if (granted_qos > kMaxQos && (topic == login_topic_ || topic == session_id_)) {
        return finish(ClientOutcome::kRefused,
                      "the broker refused the subscription to " + printable(topic) +
                          ": this account may not read it, so no " +
                          (topic == login_topic_ ? "session ID" : "command") + " could arrive");
    }
    if (granted_qos > kMaxQos && !result_topic_.empty() && topic == result_topic_) {
        // The exchange works without it: only the server's verdict will not be heard.
        return ignore(topic, "the broker refused the subscription to " + printable(topic) +
                                 ": the server's verdict cannot arrive (may this account read "
                                 "it?); the exchange goes on without it");
    }
    if (state_ != State::kSubscribing || topic != login_topic_) return;
    state_ = State::kAwaitingSession;
    // The broker handles our packets in order, so this subscription is in place before the
    // login is, and no answer to it can be missed; waiting for its SUBACK as well would cost
    // a round trip (and Nagle's delay on the broker's side) on every login.
    if (!result_topic_.empty()) outbox_.subscribe(result_topic_, kMaxQos);
    send_login(now);
}

void ClientSession::send_login(TimePoint now) {
    ++logins_sent_;
    login_retry_at_ = now + options_.login_retry;
    outbox_.publish(kLoginTopic, options_.user_id, options_.login_qos);
    outbox_.record(client_event::LoginSent{options_.user_id, options_.login_qos, logins_sent_});
}

void ClientSession::on_message(std::string_view topic, std::string_view payload, int qos,
                               TimePoint now, bool retained) {
    if (state_ == State::kFinished) {
        ignore(topic, "the exchange is already over");
    } else if (retained) {
        // A retained session ID would follow the SUBACK and be taken for the answer to our
        // login; a retained command belongs to nobody's live session.
        ignore(topic, "a retained message from an earlier exchange");
    } else if (topic == login_topic_) {
        on_session_id(payload, now);
    } else if (!result_topic_.empty() && topic == result_topic_) {
        on_verdict(payload);
    } else if (state_ == State::kInSession && topic == session_id_) {
        on_command(payload, qos, now);
    } else {
        ignore(topic, "not a topic of this session");
    }
}

void ClientSession::on_session_id(std::string_view payload, TimePoint now) {
    if (auto why = check_payload(payload)) return ignore(login_topic_, *why);
    if (auto why = check_session_id(payload)) return ignore(login_topic_, *why);
    if (logins_sent_ == 0) {
        // Only a message queued for an earlier run can precede our own login.
        return ignore(login_topic_, "a session ID that arrived before the login was sent");
    }
    if (state_ == State::kInSession && payload == session_id_) {
        return;  // the answer to a login delivered twice
    }
    if (std::find(left_sessions_.begin(), left_sessions_.end(), payload) != left_sessions_.end()) {
        // A late copy (QoS 1 re-delivery) of an ID the server has since replaced.
        return ignore(login_topic_, "session ID " + std::string(payload) + " was replaced");
    }
    follow_session(payload, now);
}

// A different session ID after the first means that the server abandoned the old session
// for a new one (PROTOCOL.md: a login after the session's first command starts a new
// session), as a login retry can cause: the newest ID is the live one.
void ClientSession::follow_session(std::string_view session_id, TimePoint now) {
    if (state_ == State::kInSession) {
        outbox_.unsubscribe(session_id_);
        left_sessions_.push_back(session_id_);
    }
    state_ = State::kInSession;
    session_id_.assign(session_id);
    reply_topic_ = session_id_ + "/";
    reply_prefix_size_ = reply_topic_.size();
    idle_deadline_ = now + options_.idle_timeout;
    login_retry_at_ = kNever;
    outbox_.subscribe(session_id_, kMaxQos);
    outbox_.record(client_event::SessionAssigned{session_id_});
}

void ClientSession::on_command(std::string_view payload, int qos, TimePoint now) {
    idle_deadline_ = now + options_.idle_timeout;
    if (payload == kWellDone) return finish(ClientOutcome::kPassed);
    if (auto why = check_payload(payload)) return ignore(session_id_, *why);
    ++counts_.commands;
    const auto index = options_.table.find(payload);
    if (!index) {
        ++counts_.unknown;
        outbox_.record(client_event::UnknownCommand{payload, qos});
        return;
    }
    const CommandEntry& entry = options_.table.at(*index);
    reply_topic_.resize(reply_prefix_size_);
    reply_topic_ += entry.command;
    // The reply goes out at the QoS the command was delivered with: PROTOCOL.md's rule.
    outbox_.publish(reply_topic_, entry.reply, qos);
    ++counts_.replies;
    outbox_.record(client_event::CommandAnswered{entry.command, entry.reply, qos});
}

void ClientSession::on_verdict(std::string_view payload) {
    auto verdict = decode_verdict(payload);
    if (!verdict) return ignore(result_topic_, "not a verdict: " + verdict.error());
    if (verdict.value().login_refused) {
        // Only while we wait for a session ID is a refusal about a login of ours.
        if (state_ != State::kAwaitingSession) return;
        server_refusal_ = verdict.value().reason;
        outbox_.record(client_event::VerdictReceived{
            true, {}, SessionOutcome::kFailed, server_refusal_, 0, 0, 0, 0, 0});
        return;
    }
    // Another session's (one the server replaced, or an earlier run's still queued for our
    // persistent session): nothing to tell.
    if (state_ != State::kInSession || verdict.value().session_id != session_id_) return;
    const SessionVerdict& said = verdict.value();
    outbox_.record(client_event::VerdictReceived{false, said.session_id, said.outcome, said.reason,
                                                 said.commands, said.correct, said.low_qos,
                                                 said.wrong, said.surplus});
    // Passed: the final message ends the session, whichever of the two comes first.
    // Abandoned: a newer login of this user ID replaced it, and the newer session ID may be
    // ours still on its way (a login of ours the broker delivered twice): it is followed as
    // always, and the idle timeout ends the wait if it never comes.
    if (said.outcome == SessionOutcome::kPassed || said.outcome == SessionOutcome::kAbandoned) {
        return;
    }
    finish(ClientOutcome::kFailed,
           "the server ended the session as " + std::string(to_string(said.outcome)) +
               (said.reason.empty() ? std::string()
                                    : ": " + printable(said.reason, kMaxVerdictBytes)));
}

void ClientSession::on_timer(TimePoint now) {
    if (now < next_deadline()) return;
    if (state_ == State::kInSession) {
        finish(ClientOutcome::kIdleTimeout);
    } else if ((state_ == State::kSubscribing || state_ == State::kAwaitingSession) &&
               now >= login_deadline_) {
        finish(ClientOutcome::kLoginTimeout, server_refusal_);
    } else if (state_ == State::kAwaitingSession) {
        send_login(now);
    }
}

TimePoint ClientSession::next_deadline() const {
    switch (state_) {
        case State::kSubscribing:
            return login_deadline_;
        case State::kAwaitingSession:
            return std::min(login_deadline_, login_retry_at_);
        case State::kInSession:
            return idle_deadline_;
        case State::kIdle:
        case State::kFinished:
            break;
    }
    return kNever;
}

void ClientSession::ignore(std::string_view topic, std::string reason) {
    ++counts_.ignored;
    outbox_.record(client_event::Ignored{topic, std::move(reason)});
}

void ClientSession::finish(ClientOutcome outcome, std::string reason) {
    outcome_ = outcome;
    outbox_.record(client_event::Finished{outcome, std::move(reason)});
    unsubscribe_all();
}

void ClientSession::leave() {
    if (state_ == State::kFinished) return;
    unsubscribe_all();
}

void ClientSession::unsubscribe_all() {
    const bool had_session = state_ == State::kInSession;
    const bool subscribed = state_ != State::kIdle;
    state_ = State::kFinished;
    // Leave nothing subscribed in the persistent session for a later run to trip over.
    if (had_session) outbox_.unsubscribe(session_id_);
    if (subscribed) outbox_.unsubscribe(login_topic_);
    if (subscribed && !result_topic_.empty()) outbox_.unsubscribe(result_topic_);
    outbox_.disconnect();
}

}  // namespace cmdlink::core
