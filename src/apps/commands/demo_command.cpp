#include "apps/commands/demo_command.hpp"

#include <csignal>
#include <cstdio>
#include <memory>
#include <optional>
#include <vector>

#include "apps/commands/exit_codes.hpp"
#include "apps/commands/random_password.hpp"
#include "apps/commands/server_flags.hpp"
#include "apps/commands/session_pool_file.hpp"
#include "apps/output/client_transcript.hpp"
#include "apps/output/console.hpp"
#include "apps/output/server_transcript.hpp"
#include "broker/private_broker.hpp"
#include "broker/roster_setup.hpp"
#include "broker/temp_directory.hpp"
#include "isolation/roster.hpp"
#include "net/mosquitto_library.hpp"
#include "os/text_file.hpp"
#include "runner/client_fleet.hpp"
#include "runner/os_random.hpp"
#include "server/server.hpp"

namespace cmdlink::apps {
namespace {

constexpr const char* kCourseUser = "student";
constexpr const char* kCoursePassword = "i_make_mqtt_cool";
constexpr const char* kServerUser = "cmdlink-server";

struct DemoFlags {
    PolicyFlags policy;
    int clients = 3;
    std::string mqtt_version = "3.1.1";
    bool json = false;
    bool verbose = false;
    bool quiet = false;
    bool roster = false;      // --roster given: one account per student, isolated
    std::string roster_file;  // empty: a roster made up for --clients students
};

// Who a demo client is: the shared course account, or its own account from a roster.
struct DemoAccount {
    std::string user_id;
    std::string username;
    std::string password;
};

std::vector<DemoAccount> shared_accounts(int clients) {
    std::vector<DemoAccount> accounts;
    accounts.reserve(static_cast<std::size_t>(clients));
    for (int i = 0; i < clients; ++i) {
        accounts.push_back({std::to_string(10001 + i), kCourseUser, kCoursePassword});
    }
    return accounts;
}

// The roster of --roster FILE, or one made up for `clients` students.
core::Result<std::vector<isolation::RosterEntry>> demo_roster(const DemoFlags& flags,
                                                              core::RandomSource& random) {
    if (flags.roster_file.empty()) {
        std::vector<isolation::RosterEntry> roster;
        for (int i = 0; i < flags.clients; ++i) {
            const std::string user_id = std::to_string(10001 + i);
            roster.push_back({.username = "student-" + user_id,
                              .password = random_password(random),
                              .hashed = false,
                              .user_id = user_id,
                              .line = static_cast<std::size_t>(i + 2)});
        }
        return roster;
    }
    auto text = os::read_whole_file(flags.roster_file, "the roster");
    if (!text) return core::Error{text.error()};
    auto roster = isolation::parse_roster(text.value());
    if (!roster) return core::Error{flags.roster_file + ":\n" + roster.error()};
    for (const isolation::RosterEntry& entry : roster.value()) {
        if (entry.hashed) {
            return core::Error{flags.roster_file + " line " + std::to_string(entry.line) +
                               ": the demo logs in as every student, so it needs plain "
                               "passwords, not hashes"};
        }
    }
    return roster;
}

net::MqttOptions local_options(const broker::PrivateBroker& broker, const DemoFlags& flags,
                               std::string client_id, std::string username, std::string password) {
    net::MqttOptions options;
    options.host = broker.host();
    options.port = broker.port();
    options.client_id = std::move(client_id);
    options.username = std::move(username);
    options.password = std::move(password);
    options.version = flags.mqtt_version == "5" ? net::MqttVersion::kV5 : net::MqttVersion::kV311;
    return options;
}

// Brings the pieces up in order: broker, then the server, then (once the server's
// subscriptions are acknowledged, so no login can be missed) the clients.
class Demo {
  public:
    Demo(const DemoFlags& flags, Console& console, net::EventLoop& loop,
         broker::PrivateBroker& broker, std::string server_password,
         std::vector<DemoAccount> accounts, std::optional<core::SessionPool> pool)
        : flags_(flags),
          console_(console),
          loop_(loop),
          broker_(broker),
          server_password_(std::move(server_password)),
          accounts_(std::move(accounts)),
          pool_(std::move(pool)) {}

    int run() {
        auto policy = to_policy(flags_.policy);
        if (!policy) return fail_usage(policy.error());
        server_transcript_ = std::make_unique<ServerTranscript>(
            console_, [this](std::string_view) { loop_.stop(); });
        // Once, on the first time the server's subscriptions are in place: no login is lost.
        server_transcript_->set_on_ready([this] {
            if (clients_started_ || interrupted_) return;
            clients_started_ = true;
            start_clients();
        });
        server::ServerSetup setup;
        setup.mqtt =
            local_options(broker_, flags_, "cmdlink-demo-server", kServerUser, server_password_);
        setup.policy = std::move(policy.value());
        setup.pool = std::move(pool_);
        auto server = server::Server::create(loop_, std::move(setup), random_, *server_transcript_);
        if (!server) return fail_usage(server.error());
        server_ = std::move(server.value());
        if (auto started = server_->start(); !started) {
            console_.log().error("{}", started.error());
            return kExitCannotConnect;
        }
        auto signals = loop_.on_signals({SIGINT, SIGTERM}, [this](int) {
            console_.log().warn("interrupted: stopping the clients, the server and the broker");
            interrupted_ = true;
            if (fleet_) fleet_->interrupt();
            server_->stop();
        });
        if (!signals) return fail_usage(signals.error());
        loop_.run();
        return verdict();
    }

  private:
    int fail_usage(const std::string& message) {
        console_.log().error("{}", message);
        return kExitUsage;
    }

    void start_clients() {
        console_.log().info("server ready on 127.0.0.1:{}; starting {} clients{}", broker_.port(),
                            accounts_.size(), flags_.roster ? ", each with its own account" : "");
        client_transcript_ = std::make_unique<ClientTranscript>(console_, true, nullptr);
        runner::FleetPlan plan;
        plan.mqtt = local_options(broker_, flags_, "", "", "");
        plan.mqtt.username.reset();
        plan.mqtt.password.reset();
        for (const DemoAccount& account : accounts_) {
            plan.accounts.push_back({account.user_id, account.username, account.password});
        }
        plan.sessions = plan.accounts.size();
        plan.watcher = client_transcript_.get();
        fleet_ = std::make_unique<runner::ClientFleet>(loop_, std::move(plan), progress_, [this] {
            if (!server_->stopped()) server_->stop();
        });
        fleet_->start();
    }

    int verdict() const {
        const std::size_t passed = progress_.passed.load();
        if (fleet_) {
            // A client that could not even start has no transcript of its own.
            for (const auto& [reason, count] : fleet_->result().failures) {
                if (reason.starts_with("cannot_"))
                    console_.log().error("{} clients: {}", count, reason);
            }
        }
        const bool all_passed = passed == accounts_.size();
        console_.log().log(all_passed ? spdlog::level::info : spdlog::level::err,
                           "demo: {} of {} clients got Well done my IoT!", passed,
                           accounts_.size());
        // -q promises the result line; a passing result is logged at info, which -q hides.
        if (all_passed && console_.verbosity() == Verbosity::kQuiet) {
            std::fprintf(stderr, "demo: %zu of %zu clients got Well done my IoT!\n", passed,
                         accounts_.size());
        }
        console_.emit({{"event", "demo"}, {"clients", accounts_.size()}, {"passed", passed}});
        if (interrupted_) return kExitInterrupted;
        return all_passed ? kExitOk : kExitFailed;
    }

    const DemoFlags& flags_;
    Console& console_;
    net::EventLoop& loop_;
    broker::PrivateBroker& broker_;
    runner::OsRandom random_;
    std::string server_password_;
    std::vector<DemoAccount> accounts_;
    std::optional<core::SessionPool> pool_;
    std::unique_ptr<ServerTranscript> server_transcript_;
    std::unique_ptr<server::Server> server_;
    std::unique_ptr<ClientTranscript> client_transcript_;
    runner::FleetProgress progress_;
    std::unique_ptr<runner::ClientFleet> fleet_;
    bool interrupted_ = false;
    bool clients_started_ = false;
};

int run_demo(const DemoFlags& flags) {
    Console console(verbosity_from_flags(flags.verbose, flags.quiet), flags.json, "demo");
    if (flags.clients < 1) {
        console.log().error("--clients must be at least 1");
        return kExitUsage;
    }
    if (auto found = broker::find_mosquitto(); !found) {
        console.log().error("{}", found.error());
        return kExitUsage;
    }
    runner::OsRandom random;
    const std::string server_password = random_password(random);
    broker::BrokerOptions options;
    options.persistence = true;
    std::vector<DemoAccount> accounts;
    std::optional<core::SessionPool> pool;
    // Holds the roster setup's files; declared before the broker, which uses them.
    std::optional<broker::TempDirectory> roster_directory;
    if (flags.roster) {
        auto roster = demo_roster(flags, random);
        if (!roster) {
            console.log().error("{}", roster.error());
            return kExitUsage;
        }
        auto directory = broker::TempDirectory::create("cmdlink-roster-");
        if (!directory) {
            console.log().error("{}", directory.error());
            return kExitUsage;
        }
        roster_directory.emplace(std::move(directory.value()));
        broker::RosterSetupOptions setup;
        setup.directory = roster_directory->path();
        setup.server_user = kServerUser;
        setup.server_password = server_password;
        auto written = broker::write_roster_setup(roster.value(), setup, random);
        if (!written) {
            console.log().error("cannot set up the roster broker: {}", written.error());
            return kExitUsage;
        }
        options.roster = written.value().security;
        // Read back as the server reads it, so the demo runs what a real setup would.
        auto loaded = load_session_pool(written.value().session_pool.string(), "");
        if (!loaded) {
            console.log().error("{}", loaded.error());
            return kExitUsage;
        }
        pool.emplace(std::move(loaded.value()));
        for (const isolation::RosterEntry& entry : roster.value()) {
            accounts.push_back({entry.user_id, entry.username, entry.password});
        }
    } else {
        options.users = {{kCourseUser, kCoursePassword}, {kServerUser, server_password}};
        accounts = shared_accounts(flags.clients);
    }
    auto started = broker::PrivateBroker::start(options);
    if (!started) {
        console.log().error("cannot start the private broker: {}", started.error());
        return kExitCannotConnect;
    }
    broker::PrivateBroker& broker = *started.value();
    console.log().info("private mosquitto on 127.0.0.1:{} (pid {}, files in {})", broker.port(),
                       broker.pid(), broker.directory().string());

    const net::MosquittoLibrary library;
    auto loop = net::EventLoop::create();
    if (!loop) {
        console.log().error("{}", loop.error());
        return kExitUsage;
    }
    Demo demo(flags, console, *loop.value(), broker, server_password, std::move(accounts),
              std::move(pool));
    return demo.run();
}

}  // namespace

std::function<int()> add_demo_command(CLI::App& app) {
    auto flags = std::make_shared<DemoFlags>();
    flags->policy.delay_s = 0.5;
    CLI::App* command = app.add_subcommand(
        "demo", "The whole exchange on this machine: a private Mosquitto, a server, clients");
    command->footer(
        "Exit codes: 0 every client got Well done my IoT!, 1 some did not, 2 bad usage or "
        "mosquitto missing, 3 the broker could not start, 6 interrupted.");
    command->add_option("--clients", flags->clients, "Number of clients")
        ->check(CLI::Range(1, 100000))
        ->capture_default_str();
    add_policy_flags(*command, flags->policy);
    command->add_option("--mqtt-version", flags->mqtt_version, "MQTT protocol version")
        ->check(CLI::IsMember({"3.1.1", "5"}))
        ->capture_default_str();
    CLI::Option* roster =
        command
            ->add_option("--roster", flags->roster_file,
                         "Each student its own account, isolated from the others "
                         "(docs/isolation.md): the students of this CSV roster (plain "
                         "passwords), or without FILE --clients made-up ones")
            ->expected(0, 1)
            ->type_name("[FILE]");
    command->add_flag("--json", flags->json, "One JSON object per event on stdout");
    command->add_flag("-v,--verbose", flags->verbose, "Every command and reply on stderr");
    command->add_flag("-q,--quiet", flags->quiet, "Only warnings, errors and the result");
    return [flags, command, roster]() -> int {
        if (!command->parsed()) return -1;
        flags->roster = roster->count() > 0;
        return run_demo(*flags);
    };
}

}  // namespace cmdlink::apps
