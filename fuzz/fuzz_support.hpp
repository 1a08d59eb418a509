#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/random_source.hpp"

// What every fuzz target shares: a failed property aborts (libFuzzer saves the input as a
// crash), and the core's random draws come from the input so that a crash reproduces.
namespace cmdlink::fuzz {

[[noreturn]] inline void fail(std::string_view what) {
    std::fprintf(stderr, "property violated: %.*s\n", static_cast<int>(what.size()), what.data());
    std::abort();
}

inline void require(bool holds, std::string_view what) {
    if (!holds) fail(what);
}

// CMDLINK_FUZZ_TRACE=1 prints what a state-machine target does, to read a crash's story.
inline bool tracing() {
    static const bool enabled = std::getenv("CMDLINK_FUZZ_TRACE") != nullptr;
    return enabled;
}

template <class... Parts>
void trace(const Parts&... parts) {
    if (!tracing()) return;
    std::string line;
    ((line += parts), ...);
    std::fprintf(stderr, "%s\n", line.c_str());
}

// SplitMix64: a fixed seed gives a fixed sequence, whatever the platform.
class SeededRandom final : public core::RandomSource {
  public:
    explicit SeededRandom(std::uint64_t seed) : state_(seed) {}
    std::uint64_t next_u64() override {
        std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
        z = (z ^ (z >> 30U)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27U)) * 0x94D049BB133111EBULL;
        return z ^ (z >> 31U);
    }

  private:
    std::uint64_t state_;
};

// `text` with every "\n" written as "\r\n", as a file saved on Windows would be.
inline std::string with_crlf(std::string_view text) {
    std::string out;
    out.reserve(text.size() * 2);
    for (const char c : text) {
        if (c == '\n') out += '\r';
        out += c;
    }
    return out;
}

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
    return {reinterpret_cast<const char*>(data), size};
}

}  // namespace cmdlink::fuzz
