#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "broker_log_checks.hpp"
#include "integration_support.hpp"
#include "ledger/ledger_queries.hpp"

// Whether devices and a server's ledger tell the same story, session by session.
namespace cmdlink::integration {

using CommandAtQos = std::pair<std::string, int>;

// What one device's --json transcript says about its session.
struct DeviceRecord {
    std::string user_id;
    std::string client_id;
    std::optional<int> exit_code;
    std::string outcome;     // the summary's outcome; "" without a summary
    std::string session_id;  // "" if it never got one
    std::string error;       // the message of its error event, if any
    std::multiset<CommandAtQos> commands;
    std::multiset<CommandAtQos> replies;  // by the command each answers
    int reconnects = 0;
};

// Waits (up to `limit`) for the device to exit, then reads its transcript.
DeviceRecord read_device(CmdlinkProcess& device, const std::string& user_id,
                         std::chrono::milliseconds limit);

// What a server's ledger file says, by session ID.
struct LedgerRecord {
    std::map<std::string, ledger::SessionRecord> sessions;
    std::map<std::string, std::multiset<CommandAtQos>> commands;
    std::map<std::string, std::vector<ledger::ReplyRecord>> replies;
    // The session row's count of surplus and unexpected replies: the server records only the
    // first ServerPolicy::surplus_replies_recorded of them as rows.
    std::map<std::string, std::int64_t> surplus;
};

// Fails the test (and returns what it could read) if the ledger cannot be read.
LedgerRecord read_ledger(const std::string& path);

// One way a device and the ledger disagree, or a session went wrong. `excused` when the
// broker's own log shows that it made the duplicate (see BrokerQos2Resend).
struct Disagreement {
    std::string kind;
    std::string user_id;
    std::string detail;
    bool excused = false;
};

// Everything wrong with one device's session at command QoS `qos`: the device failed; the
// ledger does not hold its session as passed; a command the ledger lists never reached it;
// at QoS 2, a command delivered more often than the ledger sent it, or a reply recorded more
// often than the device sent it; a reply the device sent that the ledger lacks, or one it
// holds that the device never sent; a verdict other than correct (at QoS 1, a surplus or
// late copy of a reply is allowed; reply rows missing are excused up to the surplus replies
// the session row counts beyond its recorded rows).
std::vector<Disagreement> compare_session(const DeviceRecord& device, const LedgerRecord& ledger,
                                          int qos, const std::vector<BrokerQos2Resend>& resends);

// Ledger sessions that belong to no device, or a device's second session.
std::vector<Disagreement> stray_sessions(const std::vector<DeviceRecord>& devices,
                                         const LedgerRecord& ledger);

}  // namespace cmdlink::integration
