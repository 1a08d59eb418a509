#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "integration_support.hpp"

// Checks of whole exchanges, shared by the tests that run them.
namespace cmdlink::integration {

// The client exited 0 after Well done, answered every command it got with the table's word,
// each reply at the QoS its command was delivered with. Returns its session ID.
std::string expect_client_passed(CmdlinkProcess& client);

// The server exited 0 after `sessions` sessions, each passed without low-QoS, wrong or surplus
// replies, every reply judged correct and sent at the QoS of the command it answers; with
// `qos`, every command was sent at that QoS.
void expect_server_sessions_passed(CmdlinkProcess& server, std::size_t sessions,
                                   std::optional<int> qos);

}  // namespace cmdlink::integration
