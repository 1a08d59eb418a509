#include "runner/client_fleet.hpp"

#include <utility>

namespace cmdlink::runner {

ClientFleet::ClientFleet(net::EventLoop& loop, FleetPlan plan, FleetProgress& progress,
                         std::function<void()> on_done)
    : loop_(loop),
      plan_(std::move(plan)),
      progress_(progress),
      on_done_(std::move(on_done)),
      admit_timer_(loop, [this] { admit(); }) {
    if (plan_.concurrency == 0) plan_.concurrency = plan_.sessions;
}

ClientFleet::~ClientFleet() = default;

void ClientFleet::start() {
    result_.first_started = loop_.now();
    next_open_at_ = loop_.now();
    if (plan_.sessions == 0) {
        on_done_();
        return;
    }
    admit();
}

void ClientFleet::interrupt() {
    interrupted_ = true;
    fail_unopened("interrupted");
    std::vector<ClientRunner*> running;
    running.reserve(running_.size());
    for (auto& [key, runner] : running_) running.push_back(runner.get());
    for (ClientRunner* runner : running) runner->interrupt();
}

void ClientFleet::admit() {
    while (!interrupted_ && next_ < plan_.sessions && running_.size() < plan_.concurrency) {
        if (plan_.ramp_per_s > 0) {
            loop_.refresh_now();
            if (loop_.now() < next_open_at_) {
                admit_timer_.arm(next_open_at_);
                return;
            }
            // Catching up after a stall would open a burst; the ramp restarts from now.
            next_open_at_ = std::max(next_open_at_, loop_.now() - std::chrono::milliseconds(10)) +
                            std::chrono::duration_cast<core::Duration>(
                                std::chrono::duration<double>(1.0 / plan_.ramp_per_s));
        }
        open_next();
    }
}

void ClientFleet::open_next() {
    const std::size_t index = plan_.first_index + next_;
    ++next_;
    net::MqttOptions mqtt = plan_.mqtt;
    std::string user_id = plan_.user_id_prefix + std::to_string(index);
    if (index < plan_.accounts.size()) {
        const FleetAccount& account = plan_.accounts[index];
        user_id = account.user_id;
        mqtt.username = account.username;
        mqtt.password = account.password;
    }
    mqtt.client_id = "cmdlink-" + user_id;
    core::ClientOptions client = plan_.client;
    client.user_id = user_id;
    progress_.started.fetch_add(1, std::memory_order_relaxed);
    auto created = ClientRunner::create(loop_, std::move(mqtt), std::move(client), *this);
    if (!created) {
        ++result_.failures["cannot_create: " + created.error()];
        progress_.failed.fetch_add(1, std::memory_order_relaxed);
        if (++finished_ == plan_.sessions) on_done_();
        return;
    }
    ClientRunner* runner = created.value().get();
    running_.emplace(runner, std::move(created.value()));
    const std::uint64_t active = progress_.active.fetch_add(1, std::memory_order_relaxed) + 1;
    std::uint64_t peak = progress_.peak_active.load(std::memory_order_relaxed);
    while (active > peak &&
           !progress_.peak_active.compare_exchange_weak(peak, active, std::memory_order_relaxed)) {
    }
    if (auto started = runner->start(plan_.connect_timeout); !started) {
        // The runner reports its own end through on_finished when the connection closes;
        // a refused start never opened one, so it is ended here.
        ++result_.failures["cannot_connect: " + started.error()];
        progress_.active.fetch_sub(1, std::memory_order_relaxed);
        progress_.failed.fetch_add(1, std::memory_order_relaxed);
        loop_.defer_delete(std::move(running_.at(runner)));
        running_.erase(runner);
        if (++finished_ == plan_.sessions) on_done_();
    }
}

void ClientFleet::fail_unopened(const std::string& reason) {
    const std::size_t unopened = plan_.sessions - next_;
    if (unopened == 0) return;
    result_.failures[reason] += unopened;
    progress_.failed.fetch_add(unopened, std::memory_order_relaxed);
    next_ = plan_.sessions;
    finished_ += unopened;
    if (finished_ == plan_.sessions) on_done_();
}

void ClientFleet::on_connected(const ClientRunner& runner, bool first, bool session_present) {
    if (plan_.watcher != nullptr) plan_.watcher->on_connected(runner, first, session_present);
    if (!first) return;
    progress_.connected.fetch_add(1, std::memory_order_relaxed);
    result_.last_connected = loop_.now();
    result_.connect_latency.record(loop_.now() - runner.timings().started);
}

void ClientFleet::on_connection_lost(const ClientRunner& runner, std::string_view reason) {
    if (plan_.watcher != nullptr) plan_.watcher->on_connection_lost(runner, reason);
}

void ClientFleet::on_session_event(const ClientRunner& runner, const core::ClientEvent& event) {
    if (std::holds_alternative<core::client_event::CommandAnswered>(event)) {
        progress_.replies.fetch_add(1, std::memory_order_relaxed);
    }
    if (plan_.watcher != nullptr) plan_.watcher->on_session_event(runner, event);
}

void ClientFleet::on_request_failed(const ClientRunner& runner, std::string_view reason) {
    if (plan_.watcher != nullptr) plan_.watcher->on_request_failed(runner, reason);
}

void ClientFleet::on_finished(const ClientRunner& runner) {
    if (plan_.watcher != nullptr) plan_.watcher->on_finished(runner);
    finish(runner, runner.end());
}

void ClientFleet::finish(const ClientRunner& runner, ClientEnd end) {
    const auto& timings = runner.timings();
    if (timings.login_sent != core::kNever && timings.session_assigned != core::kNever) {
        result_.login_to_session_latency.record(timings.session_assigned - timings.login_sent);
    }
    progress_.active.fetch_sub(1, std::memory_order_relaxed);
    if (end == ClientEnd::kPassed) {
        progress_.passed.fetch_add(1, std::memory_order_relaxed);
    } else {
        progress_.failed.fetch_add(1, std::memory_order_relaxed);
        ++result_.failures[std::string(to_string(end))];
    }
    result_.last_finished = loop_.now();
    if (auto found = running_.find(&runner); found != running_.end()) {
        // Never destroyed inside its own callback, which this is.
        loop_.defer_delete(std::move(found->second));
        running_.erase(found);
    }
    ++finished_;
    admit();
    if (finished_ == plan_.sessions) on_done_();
}

}  // namespace cmdlink::runner
