#pragma once
// Errors name what they concern (a file, a series UID, an output path) so a user can act on them.
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <variant>

namespace myo::core {

// What failed, as far as the user can act on it: main() turns the kind into the documented exit code
// (exit_code_for in exit_codes.hpp), nowhere else.
enum class ErrorKind {
  input,       // an input is unusable (a file, a series, a label map): the subject names it
  output,      // an output could not be written (permissions, disk full): the subject names it
  usage,       // a command-line option is wrong
  no_display,  // rendering needs an X display
  internal,    // a bug
};

struct Error {
  std::string subject;  // file path, series UID or output path the error concerns
  std::string message;  // what is wrong, in plain words
  ErrorKind kind = ErrorKind::input;
  [[nodiscard]] std::string what() const { return subject.empty() ? message : subject + ": " + message; }
};

// Exception carrying an Error; libraries throw it internally and convert to Result at their public boundaries.
class MyoError : public std::runtime_error {
 public:
  explicit MyoError(Error error) : std::runtime_error(error.what()), error_(std::move(error)) {}
  MyoError(std::string subject, std::string message, ErrorKind kind = ErrorKind::input)
      : MyoError(Error{std::move(subject), std::move(message), kind}) {}
  [[nodiscard]] const Error& error() const { return error_; }
  [[nodiscard]] ErrorKind kind() const { return error_.kind; }

 private:
  Error error_;
};

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::move(value)) {}          // NOLINT(google-explicit-constructor)
  Result(Error error) : state_(std::move(error)) {}      // NOLINT(google-explicit-constructor)
  [[nodiscard]] bool ok() const { return std::holds_alternative<T>(state_); }
  explicit operator bool() const { return ok(); }
  [[nodiscard]] const T& value() const& { return checked(); }
  [[nodiscard]] T& value() & { return const_cast<T&>(checked()); }
  [[nodiscard]] T&& value() && { return std::move(const_cast<T&>(checked())); }
  [[nodiscard]] const Error& error() const { return std::get<Error>(state_); }

 private:
  const T& checked() const {
    if (!ok()) throw MyoError(std::get<Error>(state_));
    return std::get<T>(state_);
  }
  std::variant<T, Error> state_;
};

}  // namespace myo::core
