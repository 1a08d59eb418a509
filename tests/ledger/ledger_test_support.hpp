#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <optional>
#include <string>

#include "broker/temp_directory.hpp"
#include "ledger/ledger_rows.hpp"

namespace cmdlink::ledger {

// A scratch directory per test, for ledger files.
class LedgerFileTest : public ::testing::Test {
  protected:
    void SetUp() override {
        auto directory = broker::TempDirectory::create("cmdlink-ledger-");
        ASSERT_TRUE(directory.ok()) << directory.error();
        directory_.emplace(std::move(directory.value()));
    }
    [[nodiscard]] std::string file(const std::string& name) const {
        return (directory_->path() / name).string();
    }

  private:
    std::optional<broker::TempDirectory> directory_;
};

inline row::SessionIssued issued(const std::string& user_id, const std::string& session_id,
                                 WallMicros at = 1'000'000) {
    return {user_id, session_id, at};
}

}  // namespace cmdlink::ledger
