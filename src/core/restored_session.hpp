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
};

}  // namespace cmdlink::core
