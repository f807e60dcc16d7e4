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
  // The object's batch: inline, or read from the stack bucket (check_batch_source).
  Result<std::vector<BatchItem>> load_batch(const DatasetObject& object);
  // The votes of every worker on every image of the object's batch.
  Result<std::vector<ImageTally>> object_tallies(const DatasetObject& object,
                                                 aws::S3Client& reader);
  // The client that reads what Ground Truth wrote (the payload, answers stored in S3): as
  // `role_arn` when config_.assume_event_role, else as the function itself.
  Result<aws::S3Client*> ground_truth_reader(const std::string& role_arn);
  // Each worker's votes. An answer that cannot be read (or read from S3), or that is not a vote
  // on every image of `batch`, fails the whole object, naming the worker: skipping it would lose
  // its votes for good, while a failed invocation is retried by Ground Truth.
  Result<std::vector<WorkerVotes>> read_votes(const DatasetObject& object,
                                              const std::vector<BatchItem>& batch,
                                              aws::S3Client& reader);

  FunctionConfig config_;
  AwsClients clients_;
  aws::StsClient sts_;
  std::optional<aws::S3Client> role_s3_;  // the reader as the event's role, when assumed
};

}  // namespace bulkqa::functions
