#pragma once

#include <spdlog/sinks/sink.h>

#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

namespace cmdlink::apps {

// One line at the bottom of a terminal that rewrites itself in place (`\r`), like
// emqtt-bench's progress. Only spaces are used to blank it, no escape sequence, so that it
// also works on a dumb terminal. Disabled, every call does nothing.
class StatusLine {
  public:
    StatusLine(std::FILE* out, bool enabled) : out_(out), enabled_(enabled) {}

    [[nodiscard]] bool enabled() const { return enabled_; }
    void show(std::string_view text);
    // Blanks the line and forgets it, for good (at exit).
    void clear();
    // Blanks it for a moment, so that a log line can take its place...
    void hide();
    // ... and draws it again below that log line.
    void redraw();

  private:
    void blank();

    std::FILE* out_;
    bool enabled_;
    bool visible_ = false;
    std::string text_;
    std::size_t drawn_width_ = 0;
};

// Wraps the stderr sink so that log lines never land in the middle of the status line.
class StatusAwareSink final : public spdlog::sinks::sink {
  public:
    StatusAwareSink(std::shared_ptr<spdlog::sinks::sink> inner, std::shared_ptr<StatusLine> status)
        : inner_(std::move(inner)), status_(std::move(status)) {}

    void log(const spdlog::details::log_msg& message) override;
    void flush() override { inner_->flush(); }
    void set_pattern(const std::string& pattern) override { inner_->set_pattern(pattern); }
    void set_formatter(std::unique_ptr<spdlog::formatter> formatter) override {
        inner_->set_formatter(std::move(formatter));
    }

  private:
    std::shared_ptr<spdlog::sinks::sink> inner_;
    std::shared_ptr<StatusLine> status_;
};

}  // namespace cmdlink::apps
