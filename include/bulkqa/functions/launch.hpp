// The CloudFormation custom resource that launches a QA run: on Create/Update it reads the labeled
// corpus, copies the images into the stack bucket, writes the batches, one table item per image
// and, last, manifest.json; on Delete it empties the stack bucket. CloudFormation always gets an
// answer, before the invocation's deadline.
#pragma once

#include <chrono>
#include <string>

#include <nlohmann/json.hpp>

#include "bulkqa/functions/function_config.hpp"
#include "bulkqa/lambda/runtime.hpp"
#include "bulkqa/qa/custom_resource.hpp"
#include "bulkqa/qa/stack_layout.hpp"
#include "bulkqa/util/error.hpp"

namespace bulkqa::functions {

class Launch {
 public:
  explicit Launch(FunctionConfig config);

  lambda::InvocationResponse handle(const lambda::InvocationRequest& request);

  // Carries out the request (no response sent); AWS calls end by `deadline`.
  CustomResourceResponse run(const CustomResourceRequest& request,
                             std::chrono::steady_clock::time_point deadline);

  // PUTs the response body to the request's pre-signed ResponseURL, retrying failures.
  Status send_response(const CustomResourceRequest& request, const CustomResourceResponse& response,
                       std::chrono::steady_clock::time_point deadline);

 private:
  Result<nlohmann::json> create_or_update(const LaunchProperties& properties);
  Status empty_bucket(const std::string& bucket);

  FunctionConfig config_;
  AwsClients clients_;
};

}  // namespace bulkqa::functions
