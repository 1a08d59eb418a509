#pragma once

#include <cstdint>
#include <cstdlib>

#include "core/random_source.hpp"

namespace cmdlink::runner {

// Session IDs must be unguessable (one student must not answer another's session), so
// production draws from the kernel's CSPRNG through glibc's arc4random.
class OsRandom final : public core::RandomSource {
  public:
    std::uint64_t next_u64() override {
        std::uint64_t value = 0;
        arc4random_buf(&value, sizeof value);
        return value;
    }
};

}  // namespace cmdlink::runner
