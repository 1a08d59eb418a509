#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "core/result.hpp"
#include "live/http_access.hpp"
#include "live/snapshot_board.hpp"

namespace httplib {
class Server;
}

namespace cmdlink::live {

// The live view's HTTP side (cpp-httplib, Debian's libcpp-httplib-dev): `/` the page,
// `/api/state` JSON, `/api/events` server-sent events, `/metrics` for Prometheus; read-only
// (any other method: 405), with a token when HttpAccess has one (else 401). Its threads read
// only the SnapshotBoard. docs/live-view.md.
class HttpView {
  public:
    // At most this many `/api/events` streams at once (each holds one of the threads); the
    // page polls `/api/state` when refused.
    static constexpr int kMaxStreams = 8;

    // Listens on access.address:access.port, or says why it cannot (a port in use, an
    // address not of this machine).
    static core::Result<std::unique_ptr<HttpView>> start(const HttpAccess& access,
                                                         const SnapshotBoard& board);
    ~HttpView();
    HttpView(const HttpView&) = delete;
    HttpView& operator=(const HttpView&) = delete;

    // Ends every stream and request and joins the threads; bounded by the read and
    // keep-alive timeouts (about two seconds). Idempotent.
    void stop();
    [[nodiscard]] int port() const { return port_; }
    // `http://127.0.0.1:8080/`, for the log.
    [[nodiscard]] std::string url() const;

  private:
    HttpView(HttpAccess access, const SnapshotBoard& board);
    void route();

    HttpAccess access_;
    const SnapshotBoard& board_;
    std::unique_ptr<httplib::Server> server_;
    int port_ = 0;
    std::thread listener_;
    std::atomic<bool> listen_returned_{false};
    std::atomic<bool> stopping_{false};
    std::atomic<int> streams_{0};
};

}  // namespace cmdlink::live
