#pragma once

namespace cmdlink::net {

// mosquitto_lib_init/cleanup for the lifetime of a scope (the process, in practice).
class MosquittoLibrary {
  public:
    MosquittoLibrary();
    ~MosquittoLibrary();
    MosquittoLibrary(const MosquittoLibrary&) = delete;
    MosquittoLibrary& operator=(const MosquittoLibrary&) = delete;
};

}  // namespace cmdlink::net
