#include "os/text_file.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "broker/temp_directory.hpp"

namespace cmdlink::os {
namespace {

class TextFile : public ::testing::Test {
  protected:
    void SetUp() override {
        auto created = broker::TempDirectory::create("cmdlink-text-file-test-");
        ASSERT_TRUE(created) << created.error();
        scratch_.emplace(std::move(created.value()));
        directory_ = scratch_->path();
    }

    std::optional<broker::TempDirectory> scratch_;
    std::filesystem::path directory_;
};

TEST_F(TextFile, ReadsBackEveryByteWritten) {
    std::string text = "user_id,session_id\r\n";
    text += std::string(1, '\0') + std::string(200000, 'x');
    const auto path = directory_ / "file";
    ASSERT_TRUE(write_text_file(path, text));
    const auto read = read_whole_file(path, "the file");
    ASSERT_TRUE(read) << read.error();
    EXPECT_EQ(read.value(), text);
}

TEST_F(TextFile, SaysWhatItCouldNotRead) {
    const auto path = directory_ / "missing.csv";
    const auto read = read_whole_file(path, "the roster");
    ASSERT_FALSE(read);
    EXPECT_EQ(read.error(), "cannot read the roster " + path.string());
}

}  // namespace
}  // namespace cmdlink::os
