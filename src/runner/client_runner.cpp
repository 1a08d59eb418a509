#include "runner/client_runner.hpp"

#include <utility>

#include "core/protocol.hpp"
#include "runner/connect_timeout_message.hpp"
#include "runner/login_timeout_message.hpp"

namespace cmdlink::runner {

std::string_view to_string(ClientEnd end) {
    switch (end) {
        case ClientEnd::kRunning:
            return "running";
        case ClientEnd::kPassed:
            return "passed";
        case ClientEnd::kCannotConnect:
            return "cannot_connect";
        case ClientEnd::kLoginTimeout:
            return "login_timeout";
        case ClientEnd::kIdleTimeout:
            return "idle_timeout";
        case ClientEnd::kInterrupted:
            return "interrupted";
        case ClientEnd::kFailed:
            return "failed";
    }
    return "unknown";
}

core::Result<std::unique_ptr<ClientRunner>> ClientRunner::create(net::EventLoop& loop,
                                                                 net::MqttOptions mqtt,
                                                                 core::ClientOptions options,
                                                                 ClientObserver& observer) {
    auto session = core::ClientSession::create(std::move(options));
    if (!session) return session.failure();
    std::unique_ptr<ClientRunner> runner(
        new ClientRunner(loop, std::move(session.value()), observer));
    auto connection = net::MqttConnection::create(loop, std::move(mqtt), *runner);
    if (!connection) return connection.failure();
    runner->connection_ = std::move(connection.value());
    return runner;
}

ClientRunner::ClientRunner(net::EventLoop& loop, core::ClientSession session,
                           ClientObserver& observer)
    : loop_(loop),
      session_(std::move(session)),
      observer_(observer),
      deadline_(loop, [this] { on_deadline(); }),
      connect_deadline_(loop, [this] { on_connect_timeout(); }) {
    timings_.started = loop.now();
}

core::Result<bool> ClientRunner::start(core::Duration connect_timeout) {
    connect_timeout_ = connect_timeout;
    connect_deadline_.arm(loop_.now() + connect_timeout);
    return connection_->connect();
}

void ClientRunner::on_connect_timeout() {
    if (timings_.connected != core::kNever) return;
    end_with(
        ClientEnd::kCannotConnect,
        connect_timeout_message(connection_->options(), connect_timeout_, last_connect_failure_));
    connection_->disconnect();
}

void ClientRunner::interrupt() {
    if (end_ != ClientEnd::kRunning) return;
    end_with(ClientEnd::kInterrupted, "interrupted");
    session_.leave();
    carry_out();
}

void ClientRunner::carry_out() {
    // A call further up this stack is carrying out a batch; it takes what is new before it
    // returns, in order.
    if (carrying_out_) return;
    carrying_out_ = true;
    core::carry_out_all(session_.outbox(), batch_, *connection_,
                        [this](const core::ClientEvent& event) { handle(event); });
    carrying_out_ = false;
    rearm();
}

void ClientRunner::handle(const core::ClientEvent& event) {
    if (const auto* finished = std::get_if<core::client_event::Finished>(&event)) {
        switch (finished->outcome) {
            case core::ClientOutcome::kPassed:
                end_with(ClientEnd::kPassed, "the server said: Well done my IoT!");
                break;
            case core::ClientOutcome::kLoginTimeout:
                end_with(
                    ClientEnd::kLoginTimeout,
                    login_timeout_message(session_.user_id(), net::to_string(connection_->broker()),
                                          session_.options().login_timeout, session_.logins_sent(),
                                          finished->reason));
                break;
            case core::ClientOutcome::kIdleTimeout:
                end_with(ClientEnd::kIdleTimeout,
                         "no command or final message within the idle timeout");
                break;
            case core::ClientOutcome::kRefused:
                // Not allowed to read its own topics: as hopeless as a refused connection.
                end_with(ClientEnd::kCannotConnect, finished->reason);
                break;
            case core::ClientOutcome::kFailed:
                end_with(ClientEnd::kFailed, finished->reason);
                break;
            case core::ClientOutcome::kRunning:
                break;
        }
    } else if (std::holds_alternative<core::client_event::LoginSent>(event)) {
        timings_.login_sent = loop_.now();
    } else if (std::holds_alternative<core::client_event::SessionAssigned>(event)) {
        timings_.session_assigned = loop_.now();
    }
    observer_.on_session_event(*this, event);
}

void ClientRunner::on_connected(bool session_present) {
    connected_now_ = true;
    last_connected_at_ = loop_.now();
    const bool first = timings_.connected == core::kNever;
    if (first) {
        timings_.connected = loop_.now();
        connect_deadline_.cancel();
    }
    observer_.on_connected(*this, first, session_present);
    session_.on_connected(session_present, loop_.now());
    carry_out();
}

void ClientRunner::on_refused(std::string reason) {
    end_with(ClientEnd::kCannotConnect, std::move(reason));
    connection_->disconnect();
}

void ClientRunner::on_connection_lost(std::string reason) {
    // Before the first connection too: the broker may be restarting, or the next failover
    // broker may answer. The connect timeout decides when to give up.
    if (timings_.connected == core::kNever) last_connect_failure_ = reason;
    const bool was_connected = std::exchange(connected_now_, false);
    if (was_connected) {
        const bool short_lived = loop_.now() - last_connected_at_ < kShortLivedConnection;
        short_lived_in_a_row_ = short_lived ? short_lived_in_a_row_ + 1 : 0;
    }
    observer_.on_connection_lost(*this, reason);
    if (short_lived_in_a_row_ >= kShortLivedConnectionsForTakeover && end_ == ClientEnd::kRunning) {
        end_with(ClientEnd::kCannotConnect,
                 "the connection was lost " + std::to_string(short_lived_in_a_row_) +
                     " times in a row right after it was made: most likely another client uses "
                     "the same client ID (" +
                     connection_->options().client_id +
                     "), and the broker closes one connection for the other; stop the other "
                     "client (another terminal, another machine?), or give this one its own "
                     "with -i/--client-id");
        connection_->disconnect();
    }
}

void ClientRunner::on_packet_log(std::string_view line) {
    observer_.on_packet_log(*this, line);
}

void ClientRunner::on_message(std::string_view topic, std::string_view payload, int qos,
                              bool retained) {
    session_.on_message(topic, payload, qos, loop_.now(), retained);
    carry_out();
}

void ClientRunner::on_subscribed(std::string_view topic, int granted_qos) {
    session_.on_subscribed(topic, granted_qos, loop_.now());
    carry_out();
}

void ClientRunner::on_closed() {
    deadline_.cancel();
    connect_deadline_.cancel();
    if (end_ == ClientEnd::kRunning) end_with(ClientEnd::kCannotConnect, "the connection closed");
    if (finished_) return;
    finished_ = true;
    observer_.on_finished(*this);
}

void ClientRunner::on_request_failed(std::string_view reason) {
    observer_.on_request_failed(*this, reason);
}

void ClientRunner::on_deadline() {
    session_.on_timer(loop_.now());
    carry_out();
}

void ClientRunner::rearm() {
    if (end_ != ClientEnd::kRunning) return deadline_.cancel();
    deadline_.arm(session_.next_deadline());
}

void ClientRunner::end_with(ClientEnd end, std::string message) {
    if (end_ != ClientEnd::kRunning) return;
    end_ = end;
    end_message_ = std::move(message);
    timings_.ended = loop_.now();
}

}  // namespace cmdlink::runner
