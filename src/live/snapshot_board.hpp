#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "live/live_snapshot.hpp"

namespace cmdlink::live {

// A snapshot as published: immutable, shared by every HTTP thread that serves it.
struct Published {
    LiveSnapshot snapshot;
    std::string json;  // rendered once, on the publishing thread, for every stream
};

// The one meeting point of the event loop (which publishes) and the HTTP threads (which read
// or wait): a pointer to the latest immutable snapshot under a mutex. Nothing else is
// shared, so no HTTP thread ever touches the loop's objects.
class SnapshotBoard {
  public:
    // Makes `published` the latest and wakes the waiting streams; its version must be above
    // every earlier one's.
    void publish(std::shared_ptr<const Published> published);
    // The latest snapshot; before the first publish, an empty one numbered 0.
    [[nodiscard]] std::shared_ptr<const Published> latest() const;
    // The latest snapshot once it is newer than `seen`, or nullptr when `limit` passed first
    // or the board is closed.
    std::shared_ptr<const Published> wait_newer(std::uint64_t seen,
                                                std::chrono::milliseconds limit) const;
    // Wakes every waiter for good: the server is stopping.
    void close();
    [[nodiscard]] bool closed() const;

  private:
    mutable std::mutex mutex_;
    mutable std::condition_variable changed_;
    std::shared_ptr<const Published> latest_ = std::make_shared<const Published>();
    bool closed_ = false;
};

}  // namespace cmdlink::live
