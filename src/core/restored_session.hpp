#pragma once

#include <string>
#include <vector>

#include "core/clock.hpp"

namespace cmdlink::core {

// A session that a previous run of the server left in flight, as its ledger recorded it, to
// be put back into an Issuer after a restart.
struct RestoredSession {
    struct Message {
        std::string command;
        int qos = 0;
        // How long before the restore it was sent: the core has no wall clock, and the steady
        // clock of the previous run means nothing to this one.
        Duration age{};
    };
    std::string user_id;
    std::string session_id;
    std::vector<Message> sent;     // the commands sent, in order; empty if none was
    std::vector<Message> answers;  // the replies accepted as answers (correct or low QoS)
    // The replies that answered nothing (surplus or unexpected), and the wrong ones: the
    // previous run may have died between recording a reply and recording what it meant for
    // the session, so the restore judges them again under the policy in force.
    std::vector<Message> surplus;
    std::vector<Message> wrong;
};

// A session that ended shortly before a restart, so that late replies to it are still told
// apart from replies to sessions never issued.
struct EndedSession {
    std::string session_id;
    Duration ago{};
    // It passed, but the broker never acknowledged its `Well done my IoT!`: publish it again.
    bool end_undelivered = false;
};

// What a previous run of the server left behind, as its ledger recorded it.
struct PreviousRun {
    std::vector<RestoredSession> in_flight;
    std::vector<EndedSession> recently_ended;
};

}  // namespace cmdlink::core
