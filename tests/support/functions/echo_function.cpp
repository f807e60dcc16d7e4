// A Lambda function for testing the runtime and the local host: it answers with the event and
// what the runtime told it about the invocation. {"throw": message} makes the handler throw,
// {"fail": message} makes it return a failure, {"exit": status} makes the process exit at once
// (a crash mid-invocation), and ECHO_INIT_FAIL=1 makes it fail to start.
#include <cstdlib>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "bulkqa/lambda/runtime.hpp"
#include "bulkqa/util/log.hpp"

namespace {

using bulkqa::lambda::InvocationRequest;
using bulkqa::lambda::InvocationResponse;

InvocationResponse echo(const InvocationRequest& request) {
  const auto event = nlohmann::json::parse(request.payload);
  if (event.is_object() && event.contains("throw")) {
    throw std::runtime_error(event["throw"].get<std::string>());
  }
  if (event.is_object() && event.contains("exit")) std::_Exit(event["exit"].get<int>());
  if (event.is_object() && event.contains("fail")) {
    return InvocationResponse::failure(event["fail"].get<std::string>(), "EchoFailure");
  }
  const char* exported_trace_id = std::getenv("_X_AMZN_TRACE_ID");
  const nlohmann::json answer = {
      {"event", event},
      {"request_id", request.request_id},
      {"function_arn", request.function_arn},
      {"remaining_ms", request.remaining_time().count()},
      {"trace_id", request.xray_trace_id},
      {"exported_trace_id", exported_trace_id ? nlohmann::json(exported_trace_id) : nullptr}};
  return InvocationResponse::ok(answer.dump());
}

}  // namespace

int main() {
  bulkqa::log::init_from_environment();
  const char* init_fail = std::getenv("ECHO_INIT_FAIL");
  if (init_fail != nullptr && std::string(init_fail) == "1") {
    return bulkqa::lambda::report_init_error("ECHO_INIT_FAIL is set", "EchoInitFailure");
  }
  return bulkqa::lambda::run_handler(echo);
}
