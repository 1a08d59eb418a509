#include "apps/bench/bench_server.hpp"

#include "os/process_resources.hpp"

namespace cmdlink::apps {

core::Result<std::unique_ptr<BenchServer>> BenchServer::create(net::MqttOptions mqtt,
                                                               core::ServerPolicy policy,
                                                               std::function<void()> on_change) {
    auto loop = net::EventLoop::create();
    if (!loop) return loop.failure();
    std::unique_ptr<BenchServer> server(
        new BenchServer(std::move(loop.value()), std::move(on_change)));
    server::ServerSetup setup;
    setup.mqtt = std::move(mqtt);
    setup.policy = std::move(policy);
    auto assembled =
        server::Server::create(*server->loop_, std::move(setup), server->random_, *server);
    if (!assembled) return assembled.failure();
    server->server_ = std::move(assembled.value());
    auto waker = net::LoopWaker::create(*server->loop_, [raw = server.get()] {
        if (!raw->server_->stopped()) raw->server_->stop();
    });
    if (!waker) return waker.failure();
    server->stop_waker_ = std::move(waker.value());
    return server;
}

BenchServer::BenchServer(std::unique_ptr<net::EventLoop> loop, std::function<void()> on_change)
    : loop_(std::move(loop)), on_change_(std::move(on_change)) {}

BenchServer::~BenchServer() {
    join();
}

core::Result<bool> BenchServer::start() {
    if (auto started = server_->start(); !started) return started;
    thread_ = std::thread([this] {
        loop_->run();
        cpu_s_ = os::thread_cpu_seconds();
    });
    return true;
}

void BenchServer::stop() {
    stop_waker_->notify();
}

void BenchServer::join() {
    if (thread_.joinable()) thread_.join();
}

void BenchServer::on_connected(const runner::ServerRunner& /*runner*/, bool /*first*/,
                               bool /*session_present*/) {}

void BenchServer::on_connection_lost(const runner::ServerRunner& /*runner*/,
                                     std::string_view /*reason*/) {}

void BenchServer::on_server_event(const runner::ServerRunner& /*runner*/,
                                  const core::ServerEvent& event) {
    if (std::holds_alternative<core::server_event::CommandSent>(event)) {
        commands_.fetch_add(1, std::memory_order_relaxed);
    } else if (const auto* reply = std::get_if<core::server_event::ReplyChecked>(&event)) {
        if (reply->verdict == core::Verdict::kCorrect) reply_latency_.record(reply->latency);
    }
}

// Clients wait for this: a login sent before the subscriptions are acknowledged could be lost.
void BenchServer::on_ready(const runner::ServerRunner& /*runner*/) {
    if (ready_.exchange(true)) return;
    on_change_();
}

void BenchServer::on_stopped(const runner::ServerRunner& /*runner*/, std::string_view reason) {
    stop_reason_ = reason;
    stopped_ = true;
    loop_->stop();
    on_change_();
}

}  // namespace cmdlink::apps
