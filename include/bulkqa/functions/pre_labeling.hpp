// Ground Truth's pre-annotation function: turns a manifest line into the task input the worker
// template renders, by reading the batch object it names.
#pragma once

#include <nlohmann/json.hpp>

#include "bulkqa/functions/function_config.hpp"
#include "bulkqa/lambda/runtime.hpp"
#include "bulkqa/util/error.hpp"

namespace bulkqa::functions {

class PreLabeling {
 public:
  explicit PreLabeling(FunctionConfig config);

  lambda::InvocationResponse handle(const lambda::InvocationRequest& request);
  // {"taskInput": {"sourceRef": [batch items]}, "isHumanAnnotationRequired": "true"}. Errors:
  // the event's or the batch's (InvalidEvent, InvalidBatch: an empty batch too), a source-ref
  // outside the stack bucket (ForbiddenSource), a task input over lambda::kMaxResponseBytes
  // (TaskInputTooLarge).
  Result<nlohmann::json> run(const nlohmann::json& event);

 private:
  FunctionConfig config_;
  AwsClients clients_;
};

}  // namespace bulkqa::functions
