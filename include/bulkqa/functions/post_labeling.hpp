// Ground Truth's annotation-consolidation function: reads the reviewers' answers, counts every vote
// exactly once in the image table, and returns one consolidated annotation per task.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bulkqa/aws/s3.hpp"
#include "bulkqa/aws/sts.hpp"
#include "bulkqa/functions/function_config.hpp"
#include "bulkqa/functions/image_table.hpp"
#include "bulkqa/lambda/runtime.hpp"
#include "bulkqa/qa/batching.hpp"
#include "bulkqa/qa/ground_truth.hpp"
#include "bulkqa/qa/tally.hpp"
#include "bulkqa/util/error.hpp"

namespace bulkqa::functions {

class PostLabeling {
 public:
  explicit PostLabeling(FunctionConfig config);

  lambda::InvocationResponse handle(const lambda::InvocationRequest& request);
  // [{"datasetObjectId", "consolidatedAnnotation": {"content": {<labelAttributeName>: …}}}]
  Result<nlohmann::json> run(const nlohmann::json& event);

 private:
  // The client that reads what Ground Truth wrote (the payload, answers stored in S3): as
  // `role_arn` when config_.assume_event_role, else as the function itself.
  Result<aws::S3Client*> ground_truth_reader(const std::string& role_arn);

  FunctionConfig config_;
  AwsClients clients_;
  aws::StsClient sts_;
  std::optional<aws::S3Client> role_s3_;  // the reader as the event's role, when assumed
};

}  // namespace bulkqa::functions
