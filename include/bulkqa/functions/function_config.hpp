// What every function reads from its environment once at start-up, and the AWS clients built
// from it. One instance per process; not thread-safe (the Runtime API loop is single-threaded).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "bulkqa/aws/config.hpp"
#include "bulkqa/aws/dynamodb.hpp"
#include "bulkqa/aws/http.hpp"
#include "bulkqa/aws/s3.hpp"
#include "bulkqa/lambda/runtime.hpp"
#include "bulkqa/qa/s3_uri.hpp"
#include "bulkqa/util/error.hpp"

namespace bulkqa::functions {

struct FunctionConfig {
  aws::AwsConfig aws;
  std::string table;   // BULKQA_TABLE: the image table (post-labeling requires it)
  std::string bucket;  // BULKQA_BUCKET: the stack bucket; when set, pre-labeling reads only there
  // BULKQA_ASSUME_EVENT_ROLE=true: post-labeling reads what Ground Truth wrote as the event's
  // roleArn (AssumeRole), as Ground Truth's documentation has it; default false: as itself.
  bool assume_event_role = false;
};

// Errors name the variable at fault.
Result<FunctionConfig> function_config_from_environment();

// Whether a task's batch may be read from `source`: with BULKQA_BUCKET set, only from the stack
// bucket. The functions may read that whole bucket, so a task must not point them anywhere
// else. Error "ForbiddenSource" naming `field` and the URI (quoted, cut short).
Status check_batch_source(const FunctionConfig& config, const S3Uri& source,
                          std::string_view field);

class AwsClients {
 public:
  explicit AwsClients(const aws::AwsConfig& config);

  aws::HttpClient http;
  aws::S3Client s3;
  aws::DynamoDbClient dynamodb;

  // Bounds every AWS call of the current invocation (nullopt: unbounded).
  void set_deadline(std::optional<std::chrono::steady_clock::time_point> deadline);
  // Bounds every AWS call of `invocation` so that the function still answers, with an error if
  // need be, before Lambda stops it at the deadline: a twentieth of the time left, between
  // 250 ms and 2 s, is kept for the answer.
  void set_deadline_for(const lambda::InvocationRequest& invocation);
};

// The invocation's answer: the JSON on success, {"errorMessage", "errorType"} on failure.
lambda::InvocationResponse to_invocation_response(const Result<nlohmann::json>& result);

// The event of an invocation as a JSON object, or an error (InvalidEvent) naming the problem:
// not JSON, not an object, or nested deeper than kMaxJsonDepth (util/json_fields.hpp).
Result<nlohmann::json> parse_event(const lambda::InvocationRequest& request);

}  // namespace bulkqa::functions
