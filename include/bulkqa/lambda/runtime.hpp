// A client for the AWS Lambda Runtime API, in the manner of aws-lambda-cpp: write a handler that
// turns an InvocationRequest into an InvocationResponse, and call run_handler(handler) from main.
// Knows nothing of S3 or labels.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>

namespace bulkqa::lambda {

// Lambda's limit on the response of a synchronous invocation: 6 MB.
inline constexpr std::size_t kMaxResponseBytes = 6 * 1024 * 1024;

struct InvocationRequest {
  std::string payload;                             // the event, as JSON text
  std::string request_id;                          // Lambda-Runtime-Aws-Request-Id
  std::string function_arn;                        // Lambda-Runtime-Invoked-Function-Arn
  std::string xray_trace_id;                       // Lambda-Runtime-Trace-Id
  std::chrono::system_clock::time_point deadline;  // Lambda-Runtime-Deadline-Ms

  std::chrono::milliseconds remaining_time() const;
};

struct InvocationResponse {
  std::string payload;  // JSON text: the result, or {"errorMessage","errorType"} on failure
  bool success = true;

  static InvocationResponse ok(std::string json_payload);
  static InvocationResponse failure(const std::string& error_message,
                                    const std::string& error_type);
};

using Handler = std::function<InvocationResponse(const InvocationRequest&)>;

// Loops on /runtime/invocation/next for as long as the Runtime API answers. A handler that throws
// produces an error response and the loop goes on. Returns a process exit code.
int run_handler(const Handler& handler);

// Reports a failure to start (bad configuration) to /runtime/init/error; returns an exit code.
int report_init_error(const std::string& error_message, const std::string& error_type);

}  // namespace bulkqa::lambda
