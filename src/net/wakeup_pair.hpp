#pragma once

#include "core/result.hpp"

struct mosquitto;

namespace cmdlink::net {

// mosquitto_new() without libmosquitto's internal wake-up socket pair.
//
// libmosquitto opens a socket pair per client so that another thread can interrupt its own
// select() loop, and writes a byte into it for every packet it queues. We never run that
// loop (our epoll loop drives loop_read/write/misc on one thread), so the pair only costs
// two file descriptors per connection (a 10,000-session bench would need 30,000 under a
// hard limit of 20,000 here) and a write(2) per message. libmosquitto documents nothing
// about running without it; its source (2.0, mosquitto_reinitialise) logs a warning when
// socketpair() fails and carries on. So, for this call and this thread only, we make
// socketpair() fail. If a libmosquitto ever refuses to create a client that way, the
// result says so rather than failing vaguely; if the interposition stops taking effect,
// nothing breaks and each connection holds three descriptors (wakeup_pair_test notices).
using MosquittoConstructor = mosquitto* (*)(const char* client_id, bool clean_session,
                                            void* user_data);

core::Result<mosquitto*> new_mosquitto_without_wakeup_pair(
    const char* client_id, bool clean_session, void* user_data,
    MosquittoConstructor construct = nullptr);  // nullptr: mosquitto_new

}  // namespace cmdlink::net
