#include "net/wakeup_pair.hpp"

#include <dlfcn.h>
#include <mosquitto.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace {

// Per thread, so that a socket pair another thread opens meanwhile is never refused.
thread_local bool refuse_socket_pairs = false;
thread_local unsigned refused_socket_pairs = 0;

using SocketPairFunction = int (*)(int, int, int, int*);

// The definition our own would hide: libc's, or a sanitizer's interceptor in front of it.
SocketPairFunction next_socketpair() {
    static const auto next = reinterpret_cast<SocketPairFunction>(  // NOLINT
        ::dlsym(RTLD_NEXT, "socketpair"));
    return next;
}

}  // namespace

// Interposes libc's socketpair() for the whole process (the executable's definition wins
// over libc's in symbol lookup); every call but the refused ones goes on to the real one.
extern "C" int socketpair(int domain, int type, int protocol, int pair[2]) {
    if (refuse_socket_pairs) {
        ++refused_socket_pairs;
        errno = EMFILE;
        return -1;
    }
    if (SocketPairFunction next = next_socketpair()) return next(domain, type, protocol, pair);
    return static_cast<int>(::syscall(SYS_socketpair, domain, type, protocol, pair));
}

namespace cmdlink::net {

core::Result<mosquitto*> new_mosquitto_without_wakeup_pair(const char* client_id,
                                                           bool clean_session, void* user_data,
                                                           MosquittoConstructor construct) {
    if (construct == nullptr) construct = &mosquitto_new;
    const unsigned refused_before = refused_socket_pairs;
    refuse_socket_pairs = true;
    mosquitto* created = construct(client_id, clean_session, user_data);
    const int error = errno;
    refuse_socket_pairs = false;
    if (created != nullptr) return created;
    if (refused_socket_pairs != refused_before) {
        return core::Error{
            "this libmosquitto will not create a client without its wake-up socket pair, "
            "which cmdlink withholds to save two descriptors per connection; cmdlink needs a "
            "libmosquitto that only warns about it, as 2.0 does"};
    }
    if (error == EINVAL) {
        return core::Error{
            "cannot create an MQTT client: the client ID is not valid UTF-8, or is empty "
            "while a persistent (not clean) session was asked for"};
    }
    return core::Error{std::string("cannot create an MQTT client: ") + std::strerror(error)};
}

}  // namespace cmdlink::net
