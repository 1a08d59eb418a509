#pragma once

#include <cstddef>
#include <limits>
#include <vector>

namespace cmdlink::net {

class Timer;

// The armed timers as a binary min-heap on (deadline, arming order). Each timer knows its
// place in the heap, so cancelling or moving one costs O(log n) and leaves no dead entry
// behind, however often an idle timeout is pushed back.
class TimerHeap {
  public:
    static constexpr std::size_t kNotInHeap = std::numeric_limits<std::size_t>::max();

    void insert(Timer& timer);
    void remove(Timer& timer);
    [[nodiscard]] bool empty() const { return timers_.empty(); }
    [[nodiscard]] Timer& earliest() const { return *timers_.front(); }

  private:
    [[nodiscard]] bool before(std::size_t a, std::size_t b) const;
    void place(std::size_t index, Timer* timer);
    void sift_up(std::size_t index);
    void sift_down(std::size_t index);

    std::vector<Timer*> timers_;
};

}  // namespace cmdlink::net
