// CloudFormation DescribeStacks over the query protocol (POST / with Action=DescribeStacks,
// signed like every other call): where a deployed stack put its bucket and table, read from its
// Outputs.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "bulkqa/aws/config.hpp"
#include "bulkqa/aws/http.hpp"
#include "bulkqa/aws/retry.hpp"
#include "bulkqa/aws/service_client.hpp"
#include "bulkqa/util/error.hpp"

namespace bulkqa::aws {

struct StackDescription {
  std::string name;
  std::string status;                          // "CREATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE", ...
  std::map<std::string, std::string> outputs;  // OutputKey -> OutputValue
};

// The request DescribeStacks sends for one stack (a name or a stack ARN).
ServiceRequest describe_stacks_request(const std::string& stack_name);

// The first stack of a DescribeStacks answer. Errors: kMalformedResponse (service
// "cloudformation") for a body that is not the answer, kStackNotFound naming `stack_name` when
// it lists no stack.
Result<StackDescription> parse_describe_stacks_response(std::string_view xml,
                                                        const std::string& stack_name);

class CloudFormationClient {
 public:
  CloudFormationClient(const AwsConfig& config, HttpClient& http, RetryOptions retry = {});

  // The stack's name, status and outputs. kStackNotFound names the stack and the region when
  // CloudFormation has no such stack; other errors are the call's (AccessDenied, ...).
  Result<StackDescription> describe_stack(const std::string& stack_name);

  ServiceClient& service() { return client_; }

 private:
  ServiceClient client_;
  std::string region_;
};

}  // namespace bulkqa::aws
