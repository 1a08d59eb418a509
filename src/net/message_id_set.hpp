#pragma once

#include <cstdint>
#include <vector>

namespace cmdlink::net {

// The MQTT message IDs (1..65535) of publishes awaiting acknowledgement, as a bitset that
// grows to the highest ID used: a hash set would allocate a node for every message, and
// libmosquitto hands out IDs in sequence, so a client session needs a word or two.
class MessageIdSet {
  public:
    void insert(int id) {
        if (id <= 0 || id > 0xffff) return;
        const auto index = static_cast<std::size_t>(id);
        if (index / 64 >= words_.size()) words_.resize(index / 64 + 1, 0);
        std::uint64_t& word = words_[index / 64];
        const std::uint64_t bit = std::uint64_t{1} << (index % 64);
        if ((word & bit) == 0) ++size_;
        word |= bit;
    }

    // True if `id` was in the set.
    bool erase(int id) {
        if (id <= 0) return false;
        const auto index = static_cast<std::size_t>(id);
        if (index / 64 >= words_.size()) return false;
        std::uint64_t& word = words_[index / 64];
        const std::uint64_t bit = std::uint64_t{1} << (index % 64);
        const bool present = (word & bit) != 0;
        if (present) --size_;
        word &= ~bit;
        return present;
    }

    [[nodiscard]] bool contains(int id) const {
        if (id <= 0) return false;
        const auto index = static_cast<std::size_t>(id);
        return index / 64 < words_.size() &&
               (words_[index / 64] & (std::uint64_t{1} << (index % 64))) != 0;
    }
    [[nodiscard]] bool empty() const { return size_ == 0; }
    [[nodiscard]] std::size_t size() const { return size_; }

  private:
    std::vector<std::uint64_t> words_;
    std::size_t size_ = 0;
};

}  // namespace cmdlink::net
