#pragma once

#include <string>
#include <utility>
#include <variant>

namespace cmdlink::core {

// What kind of failure an error is, which decides the exit code a command ends with.
enum class ErrorKind {
    kInput,       // bad usage, a bad file or value: the user can fix the input
    kConnection,  // the broker cannot be reached, or refused us
    kSystem,      // the operating system refused a resource (descriptors, memory, threads)
};

struct Error {
    std::string message;
    ErrorKind kind = ErrorKind::kInput;
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
    // The whole error, kind included, to pass on from a function of another result type:
    //   if (!opened) return opened.failure();
    [[nodiscard]] const Error& failure() const { return std::get<Error>(state_); }

  private:
    std::variant<T, Error> state_;
};

// Success without a value, for operations that either work or say why not.
struct Ok {};
using Status = Result<Ok>;

// An error of the operating system's (an errno), as its kind says.
inline Error system_error(std::string message) {
    return Error{std::move(message), ErrorKind::kSystem};
}

}  // namespace cmdlink::core
