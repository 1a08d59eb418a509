#include "apps/output/status_line.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>

namespace cmdlink::apps {
namespace {

// Everything a StatusLine wrote to a temporary file.
class StatusLineTest : public ::testing::Test {
  protected:
    void SetUp() override { ASSERT_NE(file_, nullptr); }
    void TearDown() override {
        if (file_ != nullptr) std::fclose(file_);
    }
    std::string written() {
        std::fflush(file_);
        std::rewind(file_);
        std::string text;
        for (int c = std::fgetc(file_); c != EOF; c = std::fgetc(file_)) {
            text += static_cast<char>(c);
        }
        return text;
    }

    std::FILE* file_ = std::tmpfile();
};

TEST_F(StatusLineTest, DisabledWritesNothing) {
    StatusLine line(file_, false);
    line.show("sessions active 1");
    line.hide();
    line.redraw();
    line.clear();
    EXPECT_EQ(written(), "");
}

TEST_F(StatusLineTest, ShowRewritesTheLineInPlace) {
    StatusLine line(file_, true);
    line.show("abc");
    line.show("de");
    // The shorter text blanks what the longer one left, then stands alone again.
    EXPECT_EQ(written(), "\rabc\rde \rde");
}

TEST_F(StatusLineTest, HideBlanksTheLineForALogLineAndRedrawBringsItBack) {
    StatusLine line(file_, true);
    line.show("abc");
    line.hide();
    std::fputs("log\n", file_);
    line.redraw();
    EXPECT_EQ(written(), "\rabc\r   \rlog\n\rabc");
}

TEST_F(StatusLineTest, ClearBlanksTheLineForGood) {
    StatusLine line(file_, true);
    line.show("abc");
    line.clear();
    line.redraw();
    EXPECT_EQ(written(), "\rabc\r   \r");
}

}  // namespace
}  // namespace cmdlink::apps
