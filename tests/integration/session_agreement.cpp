#include "session_agreement.hpp"

#include <sqlite3.h>

#include <algorithm>

#include "ledger/ledger_schema.hpp"

namespace cmdlink::integration {
namespace {

std::string describe(const CommandAtQos& command) {
    return command.first + " at QoS " + std::to_string(command.second);
}

std::set<CommandAtQos> keys_of(const std::multiset<CommandAtQos>& first,
                               const std::multiset<CommandAtQos>& second) {
    std::set<CommandAtQos> keys(first.begin(), first.end());
    keys.insert(second.begin(), second.end());
    return keys;
}

template <class Map>
const typename Map::mapped_type& find_or_empty(const Map& map, const std::string& key) {
    static const typename Map::mapped_type kEmpty{};
    const auto found = map.find(key);
    return found == map.end() ? kEmpty : found->second;
}

std::int64_t find_or_zero(const std::map<std::string, std::int64_t>& map, const std::string& key) {
    const auto found = map.find(key);
    return found == map.end() ? 0 : found->second;
}

}  // namespace

DeviceRecord read_device(CmdlinkProcess& device, const std::string& user_id,
                         std::chrono::milliseconds limit) {
    DeviceRecord record;
    record.user_id = user_id;
    record.client_id = "cmdlink-" + user_id;
    record.exit_code = device.wait_for_exit(limit);
    if (!record.exit_code) {
        record.error = "still running after the test's limit";
        device.stop();
    }
    for (const Json& event : device.events()) {
        const std::string name = event.value("event", "");
        const CommandAtQos command{event.value("command", ""), event.value("qos", -1)};
        if (name == "command") {
            record.commands.insert(command);
        } else if (name == "reply") {
            record.replies.insert(command);
        } else if (name == "session") {
            // A device that follows a newer session ID (after a login retry) leaves the old
            // session; what it got and answered before belongs to that one, which the ledger
            // lists apart (stray_sessions judges it).
            record.session_id = event.value("session_id", "");
            record.commands.clear();
            record.replies.clear();
        } else if (name == "error") {
            record.error = event.value("reason", "") + ": " + event.value("message", "");
        } else if (name == "summary") {
            record.outcome = event.value("outcome", "");
            record.reconnects = event.value("reconnects", 0);
        }
    }
    return record;
}

LedgerRecord read_ledger(const std::string& path) {
    LedgerRecord record;
    auto db = ledger::open_ledger_for_reading(path);
    if (!db) {
        ADD_FAILURE() << db.error();
        return record;
    }
    auto sessions = ledger::load_sessions(db.value(), {});
    if (!sessions) {
        ADD_FAILURE() << sessions.error();
        return record;
    }
    auto surplus = db.value().prepare("SELECT surplus FROM sessions WHERE session_id = ?1");
    if (!surplus) {
        ADD_FAILURE() << surplus.error();
        return record;
    }
    for (auto& session : sessions.value()) {
        const std::string id = session.session_id;
        surplus.value().reset();
        if (surplus.value().bind(1, id).step() == SQLITE_ROW) {
            record.surplus[id] = surplus.value().optional_integer(0).value_or(0);
        }
        auto commands = ledger::load_commands(db.value(), id);
        auto replies = ledger::load_session_replies(db.value(), id);
        if (!commands || !replies) {
            ADD_FAILURE() << "cannot read the commands and replies of session " << id << " from "
                          << path;
            continue;
        }
        for (const auto& command : commands.value()) {
            record.commands[id].insert({command.command, command.qos});
        }
        record.replies[id] = std::move(replies.value());
        record.sessions.emplace(id, std::move(session));
    }
    return record;
}

std::vector<Disagreement> compare_session(const DeviceRecord& device, const LedgerRecord& ledger,
                                          int qos, const std::vector<BrokerQos2Resend>& resends) {
    std::vector<Disagreement> found;
    const auto add = [&](std::string kind, std::string detail, bool excused = false) {
        found.push_back({std::move(kind), device.user_id, std::move(detail), excused});
    };
    if (device.exit_code != 0 || device.outcome != "passed") {
        add("device_failed",
            "exit code " +
                (device.exit_code ? std::to_string(*device.exit_code) : std::string("none")) +
                ", outcome '" + device.outcome + "', " + std::to_string(device.commands.size()) +
                " commands, " + std::to_string(device.reconnects) + " reconnects; " + device.error);
    }
    if (device.session_id.empty()) return found;
    const std::string& id = device.session_id;
    const auto session = ledger.sessions.find(id);
    if (session == ledger.sessions.end()) {
        add("session_not_in_ledger", id);
        return found;
    }
    if (session->second.user_id != device.user_id) {
        add("ledger_user_differs", id + " belongs to '" + session->second.user_id + "'");
    }
    if (session->second.outcome != "passed") {
        add("ledger_not_passed",
            id + " is '" + session->second.outcome + "' (" + session->second.reason + ")");
    }

    const auto& sent = find_or_empty(ledger.commands, id);
    std::multiset<CommandAtQos> recorded;
    for (const auto& reply : find_or_empty(ledger.replies, id)) {
        recorded.insert({reply.command, reply.qos});
        // A copy of a reply is judged surplus, or after_end once the session is over; at
        // QoS 2 the counts below tell whether a copy was allowed.
        if (reply.verdict != "correct" && reply.verdict != "surplus" &&
            reply.verdict != "after_end") {
            add("wrong_verdict", reply.command + " '" + reply.word + "' at QoS " +
                                     std::to_string(reply.qos) + ": " + reply.verdict);
        }
    }

    // A broker's copy, proven by its log, explains as many duplicates as it sent copies.
    const std::size_t command_copies = resends_to(resends, device.client_id, id);
    std::size_t command_excess = 0;
    std::size_t reply_excess = 0;
    for (const CommandAtQos& command : keys_of(sent, device.commands)) {
        const std::size_t ledger_count = sent.count(command);
        const std::size_t delivered = device.commands.count(command);
        if (delivered < ledger_count) {
            add("command_lost", describe(command) + ": the ledger sent " +
                                    std::to_string(ledger_count) + ", the device got " +
                                    std::to_string(delivered));
        }
        if (qos == 2 && delivered > ledger_count) command_excess += delivered - ledger_count;
    }
    std::size_t reply_copies = 0;
    std::size_t reply_shortfall = 0;
    std::vector<std::string> shortfalls;
    std::int64_t surplus_rows = 0;
    for (const auto& reply : find_or_empty(ledger.replies, id)) {
        surplus_rows += reply.verdict == "surplus" || reply.verdict == "unexpected";
    }
    for (const CommandAtQos& command : keys_of(recorded, device.replies)) {
        const std::size_t in_ledger = recorded.count(command);
        const std::size_t answered = device.replies.count(command);
        if (in_ledger < answered) {
            reply_shortfall += answered - in_ledger;
            shortfalls.push_back(describe(command) + ": the device sent " +
                                 std::to_string(answered) + ", the ledger holds " +
                                 std::to_string(in_ledger));
        }
        if (answered == 0 && in_ledger > 0) {
            add("reply_not_from_device", describe(command) + ": the ledger holds " +
                                             std::to_string(in_ledger) +
                                             ", the device never sent one");
        }
        if (qos == 2 && in_ledger > answered) {
            reply_excess += in_ledger - answered;
            reply_copies += resends_to(resends, "cmdlink-server", id + "/" + command.first);
        }
    }
    // Beyond ServerPolicy::surplus_replies_recorded a session's surplus replies are counted in
    // its row, not recorded one by one: that many reply rows may be missing, whichever command
    // they answered (the device answers every duplicate the broker delivers at QoS 1).
    const auto unrecorded_surplus = static_cast<std::size_t>(
        std::max<std::int64_t>(find_or_zero(ledger.surplus, id) - surplus_rows, 0));
    if (reply_shortfall > unrecorded_surplus) {
        for (std::string& shortfall : shortfalls) {
            add("reply_lost", std::move(shortfall) + " (" + std::to_string(unrecorded_surplus) +
                                  " surplus replies of the session not recorded as rows)");
        }
    }
    if (command_excess > 0) {
        add("qos2_duplicate_command",
            std::to_string(command_excess) + " more commands delivered than the ledger sent; " +
                std::to_string(command_copies) + " broker copies after PUBREL in its log",
            command_copies >= command_excess);
    }
    if (reply_excess > 0) {
        add("qos2_duplicate_reply",
            std::to_string(reply_excess) + " more replies in the ledger than the device sent; " +
                std::to_string(reply_copies) + " broker copies after PUBREL in its log",
            reply_copies >= reply_excess);
    }
    return found;
}

std::vector<Disagreement> stray_sessions(const std::vector<DeviceRecord>& devices,
                                         const LedgerRecord& ledger) {
    std::map<std::string, std::string> device_sessions;  // user ID -> its session ID
    for (const DeviceRecord& device : devices) device_sessions[device.user_id] = device.session_id;
    std::vector<Disagreement> found;
    for (const auto& [id, session] : ledger.sessions) {
        const auto device = device_sessions.find(session.user_id);
        if (device == device_sessions.end()) {
            found.push_back(
                {"stray_session", session.user_id, id + ": no device has this user ID"});
        } else if (device->second.empty()) {
            found.push_back({"session_id_never_reached_device", session.user_id,
                             id + " ('" + session.outcome + "', " + session.reason + ")"});
        } else if (device->second != id) {
            found.push_back({"extra_session", session.user_id,
                             id + " ('" + session.outcome + "', " + session.reason +
                                 ") beside the device's own '" + device->second + "'"});
        }
    }
    return found;
}

}  // namespace cmdlink::integration
