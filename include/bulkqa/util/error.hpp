// The project's one error model: expected failures travel as Result<T>, holding a value or an
// Error; exceptions are kept for bugs. An Error names what was at fault (a line, field or key) in
// its message, and carries the service, HTTP status and retryability when it came from AWS.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace bulkqa {

struct Error {
  std::string code;     // machine-readable, e.g. "InvalidCorpus", "NoSuchKey", "NetworkError"
  std::string message;  // for people: names the line, field or key at fault
  std::string service;  // "s3", "dynamodb", ... when the error came from a service call
  long http_status = 0;
  bool retryable = false;

  // "code: message" (with the service and status when known), for logs and CloudFormation.
  std::string describe() const;
};

inline Error make_error(std::string code, std::string message) {
  return Error{std::move(code), std::move(message), {}, 0, false};
}

// Thrown by Result::value() on an error: reaching it is a bug in the caller.
class BadResultAccess : public std::exception {
 public:
  explicit BadResultAccess(std::string what) : what_(std::move(what)) {}
  const char* what() const noexcept override { return what_.c_str(); }

 private:
  std::string what_;
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::in_place_index<0>, std::move(value)) {}
  Result(Error error) : state_(std::in_place_index<1>, std::move(error)) {}

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & {
    check();
    return std::get<0>(state_);
  }
  const T& value() const& {
    check();
    return std::get<0>(state_);
  }
  T&& value() && {
    check();
    return std::get<0>(std::move(state_));
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const { return std::get<1>(state_); }

 private:
  void check() const {
    if (!ok()) throw BadResultAccess("value() on an error result: " + error().describe());
  }
  std::variant<T, Error> state_;
};

// A Result with no value: success, or an Error.
template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), ok_(false) {}

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const { return error_; }

 private:
  Error error_;
  bool ok_ = true;
};

using Status = Result<void>;

}  // namespace bulkqa
