#include "apps/bench/bench_run.hpp"

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <deque>
#include <memory>
#include <thread>
#include <vector>

#include "apps/bench/bench_report.hpp"
#include "apps/bench/bench_server.hpp"
#include "apps/commands/exit_codes.hpp"
#include "apps/commands/seconds_flag.hpp"
#include "net/loop_waker.hpp"
#include "os/process_resources.hpp"
#include "runner/client_fleet.hpp"

namespace cmdlink::apps {
namespace {

// One client thread: its own loop and its share of the sessions.
struct ClientWorker {
    std::unique_ptr<net::EventLoop> loop;
    std::unique_ptr<runner::ClientFleet> fleet;
    std::unique_ptr<net::LoopWaker> interrupter;
    std::thread thread;
    std::atomic<bool> done{false};  // the fleet's own counters belong to its thread
    double cpu_s = 0;
};

class Bench {
  public:
    Bench(const BenchFlags& flags, Console& console, net::EventLoop& main_loop,
          std::uint64_t fd_limit)
        : flags_(flags), console_(console), main_loop_(main_loop), fd_limit_(fd_limit) {}

    int run(net::MqttOptions mqtt, core::ServerPolicy policy, std::optional<pid_t> broker_pid) {
        broker_pid_ = broker_pid;
        broker_cpu_before_ = broker_pid ? os::cpu_time_of(*broker_pid) : std::nullopt;
        qos_ = policy.qos ? *policy.qos : -1;
        mqtt.clean_session = true;  // a bench run leaves no sessions behind at the broker
        mqtt_ = mqtt;
        auto waker = net::LoopWaker::create(main_loop_, [this] { on_worker_change(); });
        if (!waker) return fail(kExitUsage, waker.error());
        main_waker_ = std::move(waker.value());
        auto signals = main_loop_.on_signals({SIGINT, SIGTERM}, [this](int) { interrupt(); });
        if (!signals) return fail(kExitUsage, signals.error());

        if (flags_.external_server) {
            start_clients();
        } else {
            mqtt.client_id = "cmdlink-bench-server-" + std::to_string(::getpid());
            auto server = BenchServer::create(std::move(mqtt), std::move(policy),
                                              [this] { main_waker_->notify(); });
            if (!server) return fail(kExitUsage, server.error());
            server_ = std::move(server.value());
            if (auto started = server_->start(); !started) {
                return fail(kExitCannotConnect, started.error());
            }
            connect_guard_.arm(main_loop_.now() + seconds(flags_.connect_timeout_s));
        }
        status_timer();
        main_loop_.run();
        for (auto& worker : workers_) {
            if (worker.thread.joinable()) worker.thread.join();
        }
        if (server_) server_->join();
        if (server_ && !server_->ready()) {
            return fail(kExitCannotConnect,
                        "the in-process server could not start: " + server_->stop_reason());
        }
        return report();
    }

  private:
    int fail(int code, const std::string& message) {
        console_.log().error("{}", message);
        // The reasons of report_failure (command_error.cpp), so every error event has one.
        const char* reason = code == kExitCannotConnect ? "connection" : "usage";
        console_.emit({{"event", "error"}, {"reason", reason}, {"message", message}});
        return code;
    }

    runner::FleetPlan plan_for(unsigned index) const {
        const std::size_t threads = workers_count();
        const std::size_t share = flags_.sessions / threads;
        const std::size_t extra = flags_.sessions % threads;
        runner::FleetPlan plan;
        plan.mqtt = mqtt_;
        plan.client.login_timeout = seconds(flags_.login_timeout_s);
        plan.client.idle_timeout = seconds(flags_.idle_timeout_s);
        plan.connect_timeout = seconds(flags_.connect_timeout_s);
        plan.user_id_prefix = flags_.user_prefix;
        plan.first_index = index * share + std::min<std::size_t>(index, extra);
        plan.sessions = share + (index < extra ? 1 : 0);
        const std::size_t concurrency =
            flags_.concurrency == 0 ? flags_.sessions : flags_.concurrency;
        plan.concurrency = std::max<std::size_t>(1, concurrency / threads);
        plan.ramp_per_s = flags_.ramp / static_cast<double>(threads);
        return plan;
    }

    [[nodiscard]] std::size_t workers_count() const {
        return std::clamp<std::size_t>(flags_.threads, 1,
                                       std::max<std::size_t>(1, flags_.sessions));
    }

    void start_clients() {
        if (started_clients_) return;
        started_clients_ = true;
        started_at_ = core::Clock::now();
        workers_.resize(workers_count());
        for (unsigned i = 0; i < workers_.size(); ++i) {
            ClientWorker& worker = workers_[i];
            auto loop = net::EventLoop::create();
            if (!loop) return abort_run(loop.error());
            worker.loop = std::move(loop.value());
            worker.fleet = std::make_unique<runner::ClientFleet>(*worker.loop, plan_for(i),
                                                                 progress_, [this, &worker] {
                                                                     worker.done = true;
                                                                     worker.loop->stop();
                                                                     main_waker_->notify();
                                                                 });
            auto interrupter =
                net::LoopWaker::create(*worker.loop, [&worker] { worker.fleet->interrupt(); });
            if (!interrupter) return abort_run(interrupter.error());
            worker.interrupter = std::move(interrupter.value());
        }
        for (ClientWorker& worker : workers_) {
            worker.thread = std::thread([&worker] {
                worker.fleet->start();
                if (!worker.fleet->done()) worker.loop->run();
                worker.cpu_s = os::thread_cpu_seconds();
            });
        }
    }

    void abort_run(const std::string& message) {
        console_.log().error("{}", message);
        interrupt();
    }

    void interrupt() {
        if (interrupted_) return;
        interrupted_ = true;
        console_.log().warn("interrupted: ending the sessions in flight");
        for (auto& worker : workers_) {
            if (worker.interrupter) worker.interrupter->notify();
        }
        if (server_) server_->stop();
        if (!started_clients_ || workers_.empty()) main_loop_.stop();
    }

    // Runs on the main thread whenever the server or a client thread changes state.
    void on_worker_change() {
        if (server_ && server_->stopped() && !server_->ready()) {
            main_loop_.stop();
            return;
        }
        if (server_ && server_->ready() && !started_clients_ && !interrupted_) start_clients();
        if (!started_clients_) return;
        const bool clients_done = std::all_of(workers_.begin(), workers_.end(),
                                              [](const auto& w) { return w.done.load(); });
        if (!clients_done) return;
        if (server_ && !server_->stopped()) {
            server_->stop();
            return;
        }
        main_loop_.stop();
    }

    void status_timer() { status_timer_.arm(main_loop_.now() + std::chrono::seconds(1)); }

    void on_connect_guard() {
        if (server_->ready() || server_->stopped()) return;
        console_.log().error("the in-process server got no MQTT connection to {}:{} within {} s",
                             mqtt_.host, mqtt_.port, flags_.connect_timeout_s);
        server_->stop();
    }

    void print_status() {
        if (flags_.quiet || !started_clients_) return;
        const std::uint64_t replies = progress_.replies.load();
        const std::uint64_t rate = replies - last_replies_;
        last_replies_ = replies;
        const std::string line =
            fmt::format("bench: connected {} · active {} · passed {} · failed {} · {} commands/s",
                        progress_.connected.load(), progress_.active.load(),
                        progress_.passed.load(), progress_.failed.load(), rate);
        // Not on a terminal, a line a second still shows a long run's progress in a log.
        if (console_.status().enabled()) {
            console_.status().show(line);
        } else {
            std::fprintf(stderr, "%s\n", line.c_str());
        }
    }

    int report() {
        console_.status().clear();
        BenchReport report;
        report.sessions = flags_.sessions;
        report.passed = progress_.passed.load();
        report.failed = progress_.failed.load();
        report.connected = progress_.connected.load();
        report.peak_active = progress_.peak_active.load();
        report.commands = progress_.replies.load();
        report.threads = static_cast<unsigned>(workers_.size());
        report.concurrency = flags_.concurrency == 0 ? flags_.sessions : flags_.concurrency;
        report.fd_limit = fd_limit_;
        report.qos = qos_;
        core::TimePoint last_finished = started_at_;
        core::TimePoint last_connected = started_at_;
        for (const auto& worker : workers_) {
            const auto& result = worker.fleet->result();
            report.login_to_session.merge(result.login_to_session_latency);
            report.connect_latency.merge(result.connect_latency);
            for (const auto& [reason, count] : result.failures) report.failures[reason] += count;
            if (result.last_finished != core::kNever) {
                last_finished = std::max(last_finished, result.last_finished);
            }
            if (result.last_connected != core::kNever) {
                last_connected = std::max(last_connected, result.last_connected);
            }
            report.client_cpu_s += worker.cpu_s;
        }
        const auto in_seconds = [](core::Duration d) {
            return std::chrono::duration<double>(d).count();
        };
        report.duration_s = in_seconds(last_finished - started_at_);
        report.connect_span_s = in_seconds(last_connected - started_at_);
        if (server_) {
            report.reply_latency = server_->reply_latency();
            report.server_cpu_s = server_->cpu_s();
        }
        report.peak_rss_kb = os::peak_rss_kb();
        report.cpu_s = os::cpu_time().total_s();
        if (broker_pid_ && broker_cpu_before_) {
            if (auto after = os::cpu_time_of(*broker_pid_)) {
                report.broker_cpu_s = after->total_s() - broker_cpu_before_->total_s();
            }
        }
        std::fprintf(stderr, "bench: %s\n", to_text(report).c_str());
        if (flags_.json) console_.emit(to_json(report));
        if (interrupted_) return kExitInterrupted;
        if (report.connected == 0) return kExitCannotConnect;
        return report.passed == report.sessions ? kExitOk : kExitFailed;
    }

    const BenchFlags& flags_;
    Console& console_;
    net::EventLoop& main_loop_;
    std::uint64_t fd_limit_;
    net::MqttOptions mqtt_;
    std::optional<pid_t> broker_pid_;
    std::optional<os::CpuTime> broker_cpu_before_;
    int qos_ = -1;
    std::unique_ptr<net::LoopWaker> main_waker_;
    std::unique_ptr<BenchServer> server_;
    net::Timer connect_guard_{main_loop_, [this] { on_connect_guard(); }};
    net::Timer status_timer_{main_loop_, [this] {
                                 print_status();
                                 status_timer();
                             }};
    std::deque<ClientWorker> workers_;  // a deque: workers never move once started
    runner::FleetProgress progress_;
    core::TimePoint started_at_ = core::Clock::now();
    std::uint64_t last_replies_ = 0;
    bool started_clients_ = false;
    bool interrupted_ = false;
};

}  // namespace

int run_bench_sessions(const BenchFlags& flags, Console& console, net::EventLoop& main_loop,
                       BenchTarget target) {
    Bench bench(flags, console, main_loop, target.fd_limit);
    return bench.run(std::move(target.mqtt), std::move(target.policy), target.broker_pid);
}

}  // namespace cmdlink::apps
