#pragma once

#include <string>
#include <utility>
#include <variant>

namespace cmdlink::core {

struct Error {
    std::string message;
};

// A value or a message a user can act on; std::expected arrives only with C++23.
template <class T>
class Result {
  public:
    Result(T value) : state_(std::move(value)) {}      // NOLINT(google-explicit-constructor)
    Result(Error error) : state_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

    [[nodiscard]] bool ok() const { return std::holds_alternative<T>(state_); }
    explicit operator bool() const { return ok(); }
    [[nodiscard]] T& value() { return std::get<T>(state_); }
    [[nodiscard]] const T& value() const { return std::get<T>(state_); }
    [[nodiscard]] const std::string& error() const { return std::get<Error>(state_).message; }

  private:
    std::variant<T, Error> state_;
};

}  // namespace cmdlink::core
