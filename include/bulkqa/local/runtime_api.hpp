// A Lambda Runtime API endpoint on this machine, as `sam local` provides: function processes
// long-poll it for invocations and post their results back, while callers in this process invoke
// the function and wait for the answer. Used by the integration tests and by `bulkqa serve`.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "bulkqa/util/error.hpp"

namespace bulkqa::local {

inline constexpr std::string_view kLocalFunctionArn =
    "arn:aws:lambda:us-east-1:000000000000:function:bulkqa-local";

struct InvokeResult {
  bool ok = false;            // the function posted a response
  std::string payload;        // that response, as the function sent it
  std::string error_type;     // otherwise: errorType of the error (or of the local failure)
  std::string error_message;  // and its errorMessage
  bool timed_out = false;     // no answer before the timeout
  std::string request_id;     // Lambda-Runtime-Aws-Request-Id the invocation was given
  std::string trace_id;       // Lambda-Runtime-Trace-Id it was given
};

class LocalRuntimeApi {
 public:
  // Binds 127.0.0.1 on a free port and starts serving; an Error when no port could be bound.
  static Result<std::unique_ptr<LocalRuntimeApi>> start();

  // Stops serving; a function long-polling for its next invocation gets an error answer.
  // No invoke() may still be running.
  ~LocalRuntimeApi();
  LocalRuntimeApi(const LocalRuntimeApi&) = delete;
  LocalRuntimeApi& operator=(const LocalRuntimeApi&) = delete;

  // "127.0.0.1:<port>", the value for AWS_LAMBDA_RUNTIME_API.
  std::string endpoint() const;

  // Queues one invocation and waits for the function's response or error, at most `timeout`
  // (counted from now, queueing included; the function's deadline is now + timeout). Thread-safe:
  // concurrent calls queue and are handed out one per /invocation/next. An event that is not JSON
  // or an ARN that cannot go in a header is refused at once.
  InvokeResult invoke(std::string event_json, std::chrono::milliseconds timeout,
                      std::string function_arn = std::string(kLocalFunctionArn));

  // Ends every invocation still queued or in flight, and every later one, at once with this
  // error: for when the function process behind this endpoint has exited, as Lambda reports a
  // runtime that exits mid-invocation.
  void fail_all(std::string error_type, std::string error_message);

  // How many function processes are waiting in /invocation/next, ready for an invocation.
  std::size_t waiting_functions() const;

  // What the function posted to /runtime/init/error, if it did.
  std::optional<InvokeResult> init_error() const;

 private:
  struct Impl;
  explicit LocalRuntimeApi(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace bulkqa::local
