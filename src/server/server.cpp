#include "server/server.hpp"

#include <chrono>
#include <string>
#include <utility>

#include "isolation/session_grant.hpp"

namespace cmdlink::server {

core::Result<std::unique_ptr<Server>> Server::create(net::EventLoop& loop, ServerSetup setup,
                                                     core::RandomSource& random,
                                                     runner::ServerObserver& observer) {
    std::unique_ptr<Server> server(new Server(setup.stop_after, setup.grant_sessions, observer));
    Server* raw = server.get();
    if (setup.ledger != nullptr) {
        server->recorder_ = std::make_unique<LedgerRecorder>(
            loop, *setup.ledger, [raw] { raw->runner_->writes_may_resume(); },
            [raw](const std::string& why) {
                raw->ledger_failure_ = why;
                raw->runner_->abandon("the ledger failed: " + why);
            });
        if (auto watched = server->recorder_->watch(); !watched) {
            return watched.failure();
        }
        server->loop_ = &loop;
        server->ledger_ = setup.ledger;
        server->ledger_backlog_limit_ = setup.ledger_backlog_limit;
        server->backlog_timer_ =
            std::make_unique<net::Timer>(loop, [raw] { raw->check_ledger_backlog(); });
    }
    if (setup.grant_sessions) server->gate_.require(Confirmation::kGranted);
    auto runner = runner::ServerRunner::create(loop, std::move(setup.mqtt), std::move(setup.policy),
                                               random, *server);
    if (!runner) return runner.failure();
    server->runner_ = std::move(runner.value());
    if (setup.pool) server->runner_->use_session_pool(std::move(*setup.pool));
    if (server->recorder_) server->runner_->hold_writes(*server->recorder_);
    if (setup.grant_sessions) {
        server->runner_->listen_aside(
            std::string(isolation::kGrantResponseTopic),
            [raw](std::string_view response) { raw->on_grant_response(response); });
    }
    if (server->recorder_) {
        server->runner_->restore_on_connect(
            std::move(setup.previous),
            [raw](const core::RestoredSession& session, const std::string& why) {
                raw->recorder_->record_unrestorable(session, why);
            });
    }
    return server;
}

Server::Server(std::uint64_t stop_after, bool grant_sessions, runner::ServerObserver& observer)
    : stop_after_(stop_after), grant_sessions_(grant_sessions), observer_(observer), gate_(0) {}

Server::~Server() = default;

core::Result<bool> Server::start(core::Duration connect_timeout) {
    return runner_->start(connect_timeout);
}

void Server::stop(std::string_view reason) {
    runner_->stop(reason);
}

void Server::drain() {
    runner_->drain();
}

void Server::on_connected(const runner::ServerRunner& runner, bool first, bool session_present) {
    observer_.on_connected(runner, first, session_present);
}

void Server::on_connection_lost(const runner::ServerRunner& runner, std::string_view reason) {
    observer_.on_connection_lost(runner, reason);
}

void Server::on_server_event(const runner::ServerRunner& runner, const core::ServerEvent& event) {
    if (recorder_) recorder_->record(event);
    observer_.on_server_event(runner, event);
    if (const auto* issued = std::get_if<core::server_event::SessionIssued>(&event)) {
        on_issued(*issued);
    } else if (const auto* refused = std::get_if<core::server_event::SubscriptionRefused>(&event)) {
        refusal_ = refused->reason;
    } else if (const auto* ended = std::get_if<core::server_event::SessionEnded>(&event)) {
        gate_.forget(ended->summary.session_id);
        if (++sessions_ended_ == stop_after_) stop();
    }
}

void Server::check_ledger_backlog() {
    if (ledger_ == nullptr || runner_->stopped()) return;
    const std::uint64_t backlog = ledger_->backlog();
    if (!holding_for_ledger_ && backlog >= ledger_backlog_limit_) {
        holding_for_ledger_ = true;
        runner_->hold_logins("the server's ledger is behind (" + std::to_string(backlog) +
                             " rows waiting to be written): no new session until it has caught "
                             "up; try again in a few seconds");
    } else if (holding_for_ledger_ && backlog <= ledger_backlog_limit_ / 2) {
        holding_for_ledger_ = false;
        runner_->resume_logins();
    }
    if (holding_for_ledger_) {
        backlog_timer_->arm(loop_->now() + std::chrono::milliseconds(100));
    }
}

void Server::on_issued(const core::server_event::SessionIssued& issued) {
    if (issued.repeated) return;
    check_ledger_backlog();
    // The broker handles our publishes in order: the grant is in force before the ID it
    // guards can go out, and the plugin's answer confirms it.
    if (grant_sessions_) {
        runner_->publish_aside(isolation::kGrantTopic,
                               isolation::session_grant_command(issued.user_id, issued.session_id),
                               1);
    }
    if (gate_.wait(issued.session_id)) runner_->announce(issued.session_id);
}

void Server::confirm(const std::string& session_id, Confirmation confirmation) {
    if (gate_.confirm(session_id, confirmation)) runner_->announce(session_id);
}

void Server::on_grant_response(std::string_view response) {
    for (isolation::GrantAnswer& answer : isolation::grant_answers(response)) {
        // Not a protocol message: reported like one the server ignores, so it shows.
        for (const std::string& failure : answer.failures) {
            observer_.on_server_event(*runner_, core::server_event::MessageIgnored{
                                                    isolation::kGrantResponseTopic, failure});
        }
        if (answer.session_id.empty()) continue;
        if (answer.failures.empty()) {
            confirm(answer.session_id, Confirmation::kGranted);
        } else {
            gate_.forget(answer.session_id);
            runner_->withdraw(answer.session_id,
                              "its student could not be granted the session's topics: " +
                                  answer.failures.front());
        }
    }
}

void Server::on_stopped(const runner::ServerRunner& runner, std::string_view reason) {
    observer_.on_stopped(runner, reason);
}

void Server::on_request_failed(const runner::ServerRunner& runner, std::string_view reason) {
    observer_.on_request_failed(runner, reason);
}

void Server::on_end_delivered(const runner::ServerRunner& runner, const std::string& session_id) {
    if (recorder_) recorder_->record_end_delivered(session_id);
    observer_.on_end_delivered(runner, session_id);
}

void Server::on_shared_group_refused(const runner::ServerRunner& runner, std::string_view reason) {
    shared_group_refusal_ = std::string(reason);
    observer_.on_shared_group_refused(runner, reason);
}

void Server::on_ready(const runner::ServerRunner& runner) {
    observer_.on_ready(runner);
}

}  // namespace cmdlink::server
