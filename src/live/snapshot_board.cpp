#include "live/snapshot_board.hpp"

#include <utility>

namespace cmdlink::live {

void SnapshotBoard::publish(std::shared_ptr<const Published> published) {
    {
        const std::lock_guard lock(mutex_);
        latest_ = std::move(published);
    }
    changed_.notify_all();
}

std::shared_ptr<const Published> SnapshotBoard::latest() const {
    const std::lock_guard lock(mutex_);
    return latest_;
}

std::shared_ptr<const Published> SnapshotBoard::wait_newer(std::uint64_t seen,
                                                           std::chrono::milliseconds limit) const {
    std::unique_lock lock(mutex_);
    const bool newer =
        changed_.wait_for(lock, limit, [&] { return closed_ || latest_->snapshot.version > seen; });
    if (!newer || closed_) return nullptr;
    return latest_;
}

void SnapshotBoard::close() {
    {
        const std::lock_guard lock(mutex_);
        closed_ = true;
    }
    changed_.notify_all();
}

bool SnapshotBoard::closed() const {
    const std::lock_guard lock(mutex_);
    return closed_;
}

}  // namespace cmdlink::live
