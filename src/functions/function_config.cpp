#include "bulkqa/functions/function_config.hpp"

#include <algorithm>
#include <cstdlib>

#include "bulkqa/util/json_fields.hpp"
#include "bulkqa/util/log.hpp"
#include "bulkqa/util/text.hpp"

namespace bulkqa::functions {
namespace {

std::string env_or_empty(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

Result<bool> boolean_variable(const char* name) {
  const std::string value = env_or_empty(name);
  if (value.empty() || value == "false") return false;
  if (value == "true") return true;
  return make_error(errc::kInvalidConfiguration,
                    std::string(name) + " is '" + value + "'; expected true or false");
}

}  // namespace

Result<FunctionConfig> function_config_from_environment() {
  auto aws_config = aws::aws_config_from_environment();
  if (!aws_config) return aws_config.error();
  auto assume_event_role = boolean_variable("BULKQA_ASSUME_EVENT_ROLE");
  if (!assume_event_role) return assume_event_role.error();
  return FunctionConfig{*aws_config, env_or_empty("BULKQA_TABLE"), env_or_empty("BULKQA_BUCKET"),
                        *assume_event_role};
}

Status check_batch_source(const FunctionConfig& config, const S3Uri& source,
                          std::string_view field) {
  if (config.bucket.empty() || source.bucket == config.bucket) return {};
  return make_error(errc::kForbiddenSource, std::string(field) + " " + quote_value(source.str()) +
                                                " is outside the stack bucket '" + config.bucket +
                                                "'");
}

AwsClients::AwsClients(const aws::AwsConfig& config)
    : http(), s3(config, http), dynamodb(config, http) {}

void AwsClients::set_deadline(std::optional<std::chrono::steady_clock::time_point> deadline) {
  s3.service().set_deadline(deadline);
  dynamodb.service().set_deadline(deadline);
}

void AwsClients::set_deadline_for(const lambda::InvocationRequest& invocation) {
  const auto remaining = invocation.remaining_time();
  const auto margin = std::clamp<std::chrono::milliseconds>(
      remaining / 20, std::chrono::milliseconds(250), std::chrono::seconds(2));
  set_deadline(std::chrono::steady_clock::now() + remaining - margin);
}

lambda::InvocationResponse to_invocation_response(const Result<nlohmann::json>& result) {
  if (result) return lambda::InvocationResponse::ok(result->dump());
  const Error& error = result.error();
  log::error("invocation failed", {{"error_code", error.code}, {"error", error.describe()}});
  return lambda::InvocationResponse::failure(error.describe(),
                                             error.code.empty() ? "Error" : error.code);
}

Result<nlohmann::json> parse_event(const lambda::InvocationRequest& request) {
  auto event = parse_json(request.payload, "the event", errc::kInvalidEvent);
  if (!event) return event.error();
  if (!event->is_object()) return make_error(errc::kInvalidEvent, "the event is not a JSON object");
  return event;
}

}  // namespace bulkqa::functions
