#include "apps/output/status_line.hpp"

namespace cmdlink::apps {

void StatusLine::show(std::string_view text) {
    if (!enabled_) return;
    text_.assign(text);
    visible_ = true;
    redraw();
}

void StatusLine::clear() {
    hide();
    text_.clear();
    visible_ = false;
}

void StatusLine::hide() {
    if (!enabled_ || drawn_width_ == 0) return;
    blank();
    std::fputc('\r', out_);
    std::fflush(out_);
    drawn_width_ = 0;
}

void StatusLine::redraw() {
    if (!enabled_ || !visible_) return;
    std::fputc('\r', out_);
    std::fwrite(text_.data(), 1, text_.size(), out_);
    // Spaces over whatever a longer previous text left behind.
    for (std::size_t i = text_.size(); i < drawn_width_; ++i) std::fputc(' ', out_);
    if (drawn_width_ > text_.size()) {
        std::fputc('\r', out_);
        std::fwrite(text_.data(), 1, text_.size(), out_);
    }
    std::fflush(out_);
    drawn_width_ = text_.size();
}

void StatusLine::blank() {
    std::fputc('\r', out_);
    for (std::size_t i = 0; i < drawn_width_; ++i) std::fputc(' ', out_);
}

void StatusAwareSink::log(const spdlog::details::log_msg& message) {
    status_->hide();
    inner_->log(message);
    inner_->flush();
    status_->redraw();
}

}  // namespace cmdlink::apps
