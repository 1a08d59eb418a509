#include "live/http_view.hpp"

#include <httplib.h>
#include <pthread.h>
#include <sys/socket.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <optional>
#include <system_error>

#include "live/live_metrics.hpp"
#include "live/live_page.hpp"

namespace cmdlink::live {
namespace {

using namespace std::chrono_literals;

// How long a stream waits for a new snapshot before it looks whether the view is stopping.
constexpr auto kStreamWait = 250ms;
// A comment line after this many quiet waits (a second): a viewer that went away is noticed
// by the write that fails, which frees its thread; it also keeps proxies from closing the
// stream.
constexpr int kQuietWaitsBeforeKeepAlive = 4;

void no_store(httplib::Response& response) {
    response.set_header("Cache-Control", "no-store");
    response.set_header("X-Content-Type-Options", "nosniff");
    // The token may be in the page's address: it must not travel on in a Referer.
    response.set_header("Referrer-Policy", "no-referrer");
}

struct StreamPosition {
    std::uint64_t seen = 0;
    int quiet_waits = 0;
};

}  // namespace

HttpView::HttpView(HttpAccess access, const SnapshotBoard& board)
    : access_(std::move(access)), board_(board), server_(std::make_unique<httplib::Server>()) {}

HttpView::~HttpView() {
    stop();
}

core::Result<std::unique_ptr<HttpView>> HttpView::start(const HttpAccess& access,
                                                        const SnapshotBoard& board) {
    std::unique_ptr<HttpView> view(new HttpView(access, board));
    view->route();
    httplib::Server& server = *view->server_;
    // Bounds how long a stop waits for an idle or slow connection.
    server.set_keep_alive_timeout(1);
    server.set_read_timeout(2s);
    server.set_write_timeout(2s);
    server.set_payload_max_length(4096);
    // httplib's default also sets SO_REUSEPORT, with which a second server would share the
    // port with the first instead of being told it is in use.
    server.set_socket_options([](int socket) {
        const int yes = 1;
        // Failing costs only a quick restart while the old port is in TIME_WAIT.
        (void)::setsockopt(socket, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    });
    server.new_task_queue = [] { return new httplib::ThreadPool(kMaxStreams + 4); };
    const std::string where =
        (access.address.find(':') == std::string::npos ? access.address
                                                       : "[" + access.address + "]") +
        ":" + std::to_string(access.port);
    errno = 0;
    const int port = access.port == 0
                         ? server.bind_to_any_port(access.address)
                         : (server.bind_to_port(access.address, access.port) ? access.port : -1);
    if (port <= 0) {
        const int error = errno;
        std::string why = error == EADDRINUSE      ? "the port is in use by another program"
                          : error == EADDRNOTAVAIL ? "the address is not one of this machine's"
                          : error == EACCES        ? "ports below 1024 need privileges"
                          : error != 0             ? std::strerror(error)
                                                   : "cannot bind";
        return core::Error{"--http " + where + ": cannot serve the live view there: " + why};
    }
    view->port_ = port;
    // Signals are the event loop's (a signalfd): the listener and the pool it starts inherit
    // a mask with every signal blocked, or a SIGINT could land on one of them and kill the
    // process instead of reaching the loop.
    sigset_t all{};
    sigset_t previous{};
    sigfillset(&all);
    if (const int error = pthread_sigmask(SIG_SETMASK, &all, &previous); error != 0) {
        return core::system_error(std::string("cannot block signals for the live view: ") +
                                  std::strerror(error));
    }
    std::optional<core::Error> failed;
    try {
        view->listener_ = std::thread([raw = view.get()] {
            raw->server_->listen_after_bind();
            raw->listen_returned_ = true;
        });
    } catch (const std::system_error& error) {
        failed =
            core::system_error(std::string("cannot start the live view's thread: ") + error.what());
    }
    (void)pthread_sigmask(SIG_SETMASK, &previous, nullptr);  // restores what it set just now
    if (failed) return *failed;
    return view;
}

void HttpView::stop() {
    if (stopping_.exchange(true)) {
        if (listener_.joinable()) listener_.join();
        return;
    }
    if (listener_.joinable()) {
        // httplib's stop() does nothing until listen_after_bind() has started its loop.
        for (int waited_ms = 0; waited_ms < 5000; ++waited_ms) {
            if (listen_returned_ || server_->is_running()) break;
            std::this_thread::sleep_for(1ms);
        }
        server_->stop();
        listener_.join();
    }
}

std::string HttpView::url() const {
    const std::string host = access_.address.find(':') == std::string::npos
                                 ? access_.address
                                 : "[" + access_.address + "]";
    return "http://" + host + ":" + std::to_string(port_) + "/";
}

void HttpView::route() {
    httplib::Server& server = *server_;
    server.set_pre_routing_handler(
        [this](const httplib::Request& request, httplib::Response& response) {
            no_store(response);
            if (request.method != "GET" && request.method != "HEAD") {
                response.status = 405;
                response.set_header("Allow", "GET, HEAD");
                response.set_content("read-only: only GET and HEAD\n", "text/plain; charset=utf-8");
                return httplib::Server::HandlerResponse::Handled;
            }
            const std::string query_token =
                request.has_param("token") ? request.get_param_value("token") : std::string();
            if (!authorized(access_, request.get_header_value("Authorization"), query_token)) {
                response.status = 401;
                response.set_header("WWW-Authenticate", "Bearer");
                response.set_content(
                    "a token is needed: open /?token=TOKEN, or send Authorization: Bearer TOKEN\n",
                    "text/plain; charset=utf-8");
                return httplib::Server::HandlerResponse::Handled;
            }
            return httplib::Server::HandlerResponse::Unhandled;
        });
    server.set_exception_handler(
        [](const httplib::Request&, httplib::Response& response, const std::exception_ptr&) {
            response.status = 500;
            response.set_content("internal error\n", "text/plain; charset=utf-8");
        });
    server.Get("/", [this](const httplib::Request&, httplib::Response& response) {
        response.set_header("Content-Security-Policy",
                            "default-src 'none'; script-src 'unsafe-inline'; style-src "
                            "'unsafe-inline'; connect-src 'self'; img-src data:");
        response.set_content(live_page(board_.latest()->json), "text/html; charset=utf-8");
    });
    server.Get("/api/state", [this](const httplib::Request&, httplib::Response& response) {
        response.set_content(board_.latest()->json, "application/json");
    });
    server.Get("/metrics", [this](const httplib::Request&, httplib::Response& response) {
        response.set_content(to_prometheus(board_.latest()->snapshot),
                             "text/plain; version=0.0.4; charset=utf-8");
    });
    server.Get("/api/events", [this](const httplib::Request&, httplib::Response& response) {
        if (streams_.fetch_add(1) >= kMaxStreams) {
            --streams_;
            response.status = 503;
            response.set_header("Retry-After", "5");
            response.set_content("too many live streams: poll /api/state instead\n",
                                 "text/plain; charset=utf-8");
            return;
        }
        auto position = std::make_shared<StreamPosition>();
        response.set_chunked_content_provider(
            "text/event-stream",
            [this, position](std::size_t, httplib::DataSink& sink) {
                if (stopping_) {
                    sink.done();
                    return true;
                }
                const auto published = board_.wait_newer(position->seen, kStreamWait);
                if (published) {
                    position->seen = published->snapshot.version;
                    position->quiet_waits = 0;
                    const std::string event = "event: state\ndata: " + published->json + "\n\n";
                    return sink.write(event.data(), event.size());
                }
                if (++position->quiet_waits >= kQuietWaitsBeforeKeepAlive) {
                    position->quiet_waits = 0;
                    constexpr std::string_view kKeepAlive = ":\n\n";
                    return sink.write(kKeepAlive.data(), kKeepAlive.size());
                }
                return true;
            },
            [this](bool) { --streams_; });
    });
}

}  // namespace cmdlink::live
