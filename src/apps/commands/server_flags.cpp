#include "apps/commands/server_flags.hpp"

#include <charconv>
#include <chrono>

#include "apps/commands/command_table_file.hpp"
#include "apps/commands/seconds_flag.hpp"

namespace cmdlink::apps {
namespace {

std::optional<std::uint32_t> parse_count(std::string_view text) {
    std::uint32_t value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size() || text.empty()) {
        return std::nullopt;
    }
    return value;
}

struct CountRange {
    std::uint32_t min;
    std::uint32_t max;
};

// `N` or `MIN-MAX`; anything else is taken for a command table file.
std::optional<CountRange> parse_range(std::string_view text) {
    const std::size_t dash = text.find('-');
    if (dash == std::string_view::npos) {
        const auto count = parse_count(text);
        if (!count) return std::nullopt;
        return CountRange{*count, *count};
    }
    const auto low = parse_count(text.substr(0, dash));
    const auto high = parse_count(text.substr(dash + 1));
    if (!low || !high) return std::nullopt;
    return CountRange{*low, *high};
}

}  // namespace

void add_policy_flags(CLI::App& command, PolicyFlags& flags) {
    command
        .add_option("--delay", flags.delay_s,
                    "Seconds between the session ID and the first command; the client "
                    "subscribes to its session only once it has the ID, so commands sent "
                    "sooner than its subscription (0 s, say) are lost")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    command
        .add_option("--commands", flags.commands,
                    "Commands per session as MIN-MAX or N; or a command table file")
        ->capture_default_str();
    command.add_option("--command-table", flags.command_table,
                       "Command table file (`CMD1 Apple` or TOML `CMD1 = \"Apple\"` lines)");
    command.add_option("--qos", flags.qos, "QoS of the commands")
        ->check(CLI::IsMember({"0", "1", "2", "random"}))
        ->capture_default_str();
    command
        .add_option("--pacing", flags.pacing,
                    "burst: all commands at once; lockstep: the next after each reply")
        ->check(CLI::IsMember({"burst", "lockstep"}))
        ->capture_default_str();
    command
        .add_option("--session-timeout", flags.session_timeout_s,
                    "Seconds after the session ID before an unfinished session fails")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    command.add_flag("--strict", flags.strict,
                     "Surplus and low-QoS replies fail the session (default: recorded only)");
    command.add_flag("--feedback", flags.feedback,
                     "At each session's end, publish the verdict to <user ID>/result (QoS 1, "
                     "JSON: session_id, outcome, reason, counts); `cmdlink client` shows it and "
                     "exits at once on a failure. Clients that never subscribe see no change");
    command
        .add_option("--max-sessions", flags.max_sessions,
                    "At most this many sessions in flight: beyond it, a login takes the place "
                    "of a session that has waited 2 s for any answer to its commands, or is "
                    "refused (0: no limit)")
        ->capture_default_str();
}

core::Result<core::ServerPolicy> to_policy(const PolicyFlags& flags) {
    core::ServerPolicy policy;
    std::string table_path = flags.command_table;
    if (const auto range = parse_range(flags.commands)) {
        policy.min_commands = range->min;
        policy.max_commands = range->max;
    } else if (table_path.empty()) {
        table_path = flags.commands;
    } else {
        return core::Error{"--commands '" + flags.commands + "' is not a count or MIN-MAX range"};
    }
    auto table = load_command_table(table_path);
    if (!table) return table.failure();
    policy.table = std::move(table.value());
    policy.delay = seconds(flags.delay_s);
    policy.session_timeout = seconds(flags.session_timeout_s);
    policy.qos = flags.qos == "random" ? std::nullopt : std::optional<int>(std::stoi(flags.qos));
    policy.pacing = flags.pacing == "lockstep" ? core::Pacing::kLockstep : core::Pacing::kBurst;
    policy.strict = flags.strict;
    policy.feedback = flags.feedback;
    policy.max_sessions = flags.max_sessions;
    if (auto why = core::check_policy(policy)) return core::Error{*why};
    return policy;
}

}  // namespace cmdlink::apps
