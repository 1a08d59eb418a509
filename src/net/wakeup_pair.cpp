#include "net/wakeup_pair.hpp"

#include <mosquitto.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

namespace {

// Per thread, so that a socket pair another thread opens meanwhile is never refused.
thread_local bool refuse_socket_pairs = false;

}  // namespace

// Interposes libc's socketpair() for the whole process (the executable's definition wins
// over libc's in symbol lookup); every call but the refused ones goes straight to the kernel.
extern "C" int socketpair(int domain, int type, int protocol, int pair[2]) {
    if (refuse_socket_pairs) {
        errno = EMFILE;
        return -1;
    }
    return static_cast<int>(::syscall(SYS_socketpair, domain, type, protocol, pair));
}

namespace cmdlink::net {

mosquitto* new_mosquitto_without_wakeup_pair(const char* client_id, bool clean_session,
                                             void* user_data) {
    refuse_socket_pairs = true;
    mosquitto* created = mosquitto_new(client_id, clean_session, user_data);
    refuse_socket_pairs = false;
    return created;
}

}  // namespace cmdlink::net
