#pragma once

#include <filesystem>
#include <string_view>

#include "core/result.hpp"

namespace cmdlink::broker {

// A private directory that is deleted with everything in it when this object goes.
class TempDirectory {
  public:
    // Creates `<$TMPDIR or /tmp>/<prefix>XXXXXX` with mode 0700.
    static core::Result<TempDirectory> create(std::string_view prefix);

    TempDirectory(TempDirectory&& other) noexcept;
    TempDirectory& operator=(TempDirectory&& other) noexcept;
    TempDirectory(const TempDirectory&) = delete;
    TempDirectory& operator=(const TempDirectory&) = delete;
    ~TempDirectory();

    [[nodiscard]] const std::filesystem::path& path() const { return path_; }

  private:
    explicit TempDirectory(std::filesystem::path path) : path_(std::move(path)) {}
    void remove();

    std::filesystem::path path_;
};

}  // namespace cmdlink::broker
