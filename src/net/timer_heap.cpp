#include "net/timer_heap.hpp"

#include <utility>

#include "net/event_loop.hpp"

namespace cmdlink::net {

bool TimerHeap::before(std::size_t a, std::size_t b) const {
    const Timer& first = *timers_[a];
    const Timer& second = *timers_[b];
    return first.at_ != second.at_ ? first.at_ < second.at_ : first.sequence_ < second.sequence_;
}

void TimerHeap::place(std::size_t index, Timer* timer) {
    timers_[index] = timer;
    timer->heap_index_ = index;
}

void TimerHeap::insert(Timer& timer) {
    timers_.push_back(&timer);
    timer.heap_index_ = timers_.size() - 1;
    sift_up(timer.heap_index_);
}

void TimerHeap::remove(Timer& timer) {
    const std::size_t index = timer.heap_index_;
    if (index == kNotInHeap) return;
    timer.heap_index_ = kNotInHeap;
    Timer* last = timers_.back();
    timers_.pop_back();
    if (last == &timer) return;
    place(index, last);
    sift_up(index);
    sift_down(last->heap_index_);
}

void TimerHeap::sift_up(std::size_t index) {
    while (index > 0) {
        const std::size_t parent = (index - 1) / 2;
        if (!before(index, parent)) return;
        Timer* child = timers_[index];
        place(index, timers_[parent]);
        place(parent, child);
        index = parent;
    }
}

void TimerHeap::sift_down(std::size_t index) {
    for (;;) {
        const std::size_t left = 2 * index + 1;
        if (left >= timers_.size()) return;
        const std::size_t right = left + 1;
        const std::size_t smaller = right < timers_.size() && before(right, left) ? right : left;
        if (!before(smaller, index)) return;
        Timer* parent = timers_[index];
        place(index, timers_[smaller]);
        place(smaller, parent);
        index = smaller;
    }
}

}  // namespace cmdlink::net
