#include "core/outbox.hpp"

#include <algorithm>
#include <cstring>
#include <memory>

namespace cmdlink::core {
namespace {

// A client session's outbox holds a topic and a reply at a time, a server's a burst of
// commands for many sessions: blocks start small and double up to the largest, so ten
// thousand clients in one process keep a few hundred bytes each. A longer text gets a block
// of its own size.
constexpr std::size_t kFirstBlockSize = 256;
constexpr std::size_t kBlockSize = std::size_t{16} * 1024;

}  // namespace

std::string_view TextArena::keep(std::string_view text) {
    if (text.empty()) return {};
    while (current_ < blocks_.size() && blocks_[current_].size - used_ < text.size()) {
        ++current_;
        used_ = 0;
    }
    if (current_ == blocks_.size()) {
        const std::size_t grown =
            blocks_.empty() ? kFirstBlockSize : std::min(kBlockSize, blocks_.back().size * 2);
        const std::size_t size = std::max(grown, text.size());
        blocks_.push_back({std::make_unique_for_overwrite<char[]>(size), size});
        used_ = 0;
    }
    char* at = blocks_[current_].bytes.get() + used_;
    std::memcpy(at, text.data(), text.size());
    used_ += text.size();
    return {at, text.size()};
}

void TextArena::clear() {
    // An oversized block, kept, would be skipped by every smaller text until the next clear.
    std::erase_if(blocks_, [](const Block& block) { return block.size > kBlockSize; });
    current_ = 0;
    used_ = 0;
}

}  // namespace cmdlink::core
