#pragma once

struct mosquitto;

namespace cmdlink::net {

// mosquitto_new() without libmosquitto's internal socket pair.
//
// libmosquitto opens a socket pair per client so that another thread can wake its own
// loop, and writes a byte into it for every packet it queues. We never run that loop (our
// epoll loop drives loop_read/write/misc on one thread), so the pair only costs two file
// descriptors per connection (a 10,000-session bench would need 30,000 under a hard limit
// of 20,000 here) and one write(2) per message. libmosquitto documents that it carries on
// without the pair when socketpair() fails, so we make it fail, for this call only.
mosquitto* new_mosquitto_without_wakeup_pair(const char* client_id, bool clean_session,
                                             void* user_data);

}  // namespace cmdlink::net
