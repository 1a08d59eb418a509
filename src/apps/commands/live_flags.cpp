#include "apps/commands/live_flags.hpp"

namespace cmdlink::apps {

void add_live_flags(CLI::App& command, LiveFlags& flags) {
    command.add_option("--http", flags.http,
                       "Serve a read-only live view (web page, JSON API, Prometheus /metrics) "
                       "on [ADDR:]PORT; ADDR defaults to 127.0.0.1, port 0 picks a free one "
                       "(docs/live-view.md)");
    command.add_option("--http-token-file", flags.token_file,
                       "Every --http request must show the token on this file's first line "
                       "(Authorization: Bearer TOKEN, or ?token=TOKEN); needed for an ADDR "
                       "other than loopback");
}

LiveView::LiveView(net::EventLoop& loop, runner::ServerObserver& next,
                   std::function<std::uint64_t()> ledger_queue_depth)
    : observer_(loop, next, board_, std::move(ledger_queue_depth)) {}

LiveView::~LiveView() {
    if (http_) http_->stop();
}

core::Status LiveView::serve(const live::HttpAccess& access) {
    auto started = live::HttpView::start(access, board_);
    if (!started) return started.failure();
    http_ = std::move(started.value());
    return core::Ok{};
}

core::Result<std::unique_ptr<LiveView>> start_live_view(
    const LiveFlags& flags, net::EventLoop& loop, runner::ServerObserver& next,
    const core::SessionPool* pool, std::function<std::uint64_t()> ledger_queue_depth,
    Console& console) {
    if (flags.http.empty()) {
        if (!flags.token_file.empty()) return core::Error{"--http-token-file needs --http"};
        return std::unique_ptr<LiveView>();
    }
    auto access = live::http_access(flags.http, flags.token_file);
    if (!access) return access.failure();
    auto view = std::make_unique<LiveView>(loop, next, std::move(ledger_queue_depth));
    if (pool != nullptr) view->live().set_roster(pool->user_ids());
    if (auto served = view->serve(access.value()); !served) return served.failure();
    const std::string url = view->http().url();
    console.log().info("live view on {}{}", url,
                       access.value().token ? " (add ?token=TOKEN from --http-token-file)" : "");
    console.emit({{"event", "http_listening"},
                  {"url", url},
                  {"port", view->http().port()},
                  {"token", access.value().token.has_value()}});
    return view;
}

}  // namespace cmdlink::apps
