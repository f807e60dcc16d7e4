// The project's one error model: expected failures travel as Result<T>, holding a value or an
// Error; exceptions are kept for bugs. An Error names what was at fault (a line, field or key) in
// its message, and carries the service, HTTP status and retryability when it came from AWS.
#pragma once

#include <exception>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace bulkqa {

// The project's own error codes, each spelled once. The spellings are part of the interface:
// logs, Lambda error types, the review server's answers and the tests read them. Codes that AWS
// services send stay as they spell them (aws/service_client.hpp names those the code tests for).
namespace errc {
// Input that fails validation: the message names the line, field or key at fault.
inline constexpr std::string_view kInvalidAnnotation = "InvalidAnnotation";
inline constexpr std::string_view kInvalidBatch = "InvalidBatch";
inline constexpr std::string_view kInvalidConfiguration = "InvalidConfiguration";
inline constexpr std::string_view kInvalidCorpus = "InvalidCorpus";
inline constexpr std::string_view kInvalidEvent = "InvalidEvent";
inline constexpr std::string_view kInvalidItem = "InvalidItem";
inline constexpr std::string_view kInvalidManifest = "InvalidManifest";
inline constexpr std::string_view kInvalidOption = "InvalidOption";    // a report option
inline constexpr std::string_view kInvalidOptions = "InvalidOptions";  // serve's options together
inline constexpr std::string_view kInvalidPayload = "InvalidPayload";
inline constexpr std::string_view kInvalidProperties = "InvalidProperties";
inline constexpr std::string_view kInvalidRequest = "InvalidRequest";
inline constexpr std::string_view kInvalidResponse = "InvalidResponse";
inline constexpr std::string_view kInvalidReviewExport = "InvalidReviewExport";
inline constexpr std::string_view kInvalidS3Uri = "InvalidS3Uri";
inline constexpr std::string_view kInvalidTimestamp = "InvalidTimestamp";
inline constexpr std::string_view kInvalidTruthSource = "InvalidTruthSource";
inline constexpr std::string_view kMalformedResponse = "MalformedResponse";

// Calls that got no usable answer.
inline constexpr std::string_view kHttpError = "HttpError";
inline constexpr std::string_view kNetworkError = "NetworkError";
inline constexpr std::string_view kRuntimeApiError = "RuntimeApiError";
inline constexpr std::string_view kTimeout = "Timeout";

// The functions.
inline constexpr std::string_view kDeleteFailed = "DeleteFailed";
inline constexpr std::string_view kForbiddenSource = "ForbiddenSource";
inline constexpr std::string_view kLaunchFailed = "LaunchFailed";
inline constexpr std::string_view kMissingItem = "MissingItem";
inline constexpr std::string_view kMissingSourceImages = "MissingSourceImages";
inline constexpr std::string_view kResponseRejected = "ResponseRejected";
// A batch whose task input would not fit in a Lambda response.
inline constexpr std::string_view kTaskInputTooLarge = "TaskInputTooLarge";
inline constexpr std::string_view kVoteConflict = "VoteConflict";

// Reviewing outside Ground Truth (bulkqa serve).
inline constexpr std::string_view kAlreadyAnswered = "AlreadyAnswered";
inline constexpr std::string_view kForbiddenHost = "ForbiddenHost";
inline constexpr std::string_view kIncompleteAnswer = "IncompleteAnswer";
inline constexpr std::string_view kNotATaskImage = "NotATaskImage";
inline constexpr std::string_view kNotFound = "NotFound";
inline constexpr std::string_view kReviewEnded = "ReviewEnded";
inline constexpr std::string_view kReviewIncomplete = "ReviewIncomplete";
inline constexpr std::string_view kTaskComplete = "TaskComplete";
inline constexpr std::string_view kUnknownTask = "UnknownTask";
inline constexpr std::string_view kUnsupportedMediaType = "UnsupportedMediaType";

// The review portal: accounts, sessions and the requests it refuses.
inline constexpr std::string_view kBodyTooLarge = "BodyTooLarge";
inline constexpr std::string_view kCsrfMismatch = "CsrfMismatch";
inline constexpr std::string_view kForbidden = "Forbidden";          // signed in, but not allowed
inline constexpr std::string_view kInternalError = "InternalError";  // details in the log only
inline constexpr std::string_view kInvalidInvite = "InvalidInvite";  // unknown, used or expired
inline constexpr std::string_view kInvalidReviewerName = "InvalidReviewerName";
inline constexpr std::string_view kLeaseLost = "LeaseLost";  // the task went to someone else
inline constexpr std::string_view kNoSession = "NoSession";  // missing, forged, expired, revoked
inline constexpr std::string_view kRateLimited = "RateLimited";
inline constexpr std::string_view kReviewerExists = "ReviewerExists";
inline constexpr std::string_view kUnknownReviewer = "UnknownReviewer";

// Finding credentials and stacks on AWS.
inline constexpr std::string_view kInvalidCredentialsFile = "InvalidCredentialsFile";
inline constexpr std::string_view kNoCredentials = "NoCredentials";
inline constexpr std::string_view kStackNotFound = "StackNotFound";

// Servers, processes and files on this machine.
inline constexpr std::string_view kBindFailed = "BindFailed";
inline constexpr std::string_view kFileError = "FileError";
inline constexpr std::string_view kInterrupted = "Interrupted";
inline constexpr std::string_view kListenFailed = "ListenFailed";
inline constexpr std::string_view kLocalMotoFailed = "LocalMotoFailed";
inline constexpr std::string_view kLocalStackFailed = "LocalStackFailed";
inline constexpr std::string_view kSpawnFailed = "SpawnFailed";
inline constexpr std::string_view kTlsSetupFailed = "TlsSetupFailed";
}  // namespace errc

struct Error {
  std::string code;     // one of errc's, or an AWS code as the service sent it ("NoSuchKey")
  std::string message;  // for people: names the line, field or key at fault
  std::string service;  // "s3", "dynamodb", ... when the error came from a service call
  long http_status = 0;
  bool retryable = false;

  // "code: message" (with the service and status when known), for logs and CloudFormation.
  std::string describe() const;
};

inline Error make_error(std::string_view code, std::string message) {
  return Error{std::string(code), std::move(message), {}, 0, false};
}

// `error` with "<context>: " before its message (just `context` when it has none), for a caller
// that knows what was being done: with_context("GetObject s3://b/k", error).
Error with_context(std::string_view context, Error error);

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
