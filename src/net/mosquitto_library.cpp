#include "net/mosquitto_library.hpp"

#include <mosquitto.h>

namespace cmdlink::net {

MosquittoLibrary::MosquittoLibrary() {
    mosquitto_lib_init();
}
MosquittoLibrary::~MosquittoLibrary() {
    mosquitto_lib_cleanup();
}

}  // namespace cmdlink::net
