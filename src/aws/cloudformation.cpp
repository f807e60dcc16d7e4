#include "bulkqa/aws/cloudformation.hpp"

#include <pugixml.hpp>

#include "bulkqa/util/text.hpp"

namespace bulkqa::aws {
namespace {

Error malformed_answer(const std::string& detail) {
  Error error = make_error(errc::kMalformedResponse, "DescribeStacks: " + detail);
  error.service = "cloudformation";
  return error;
}

Error stack_not_found(const std::string& stack_name, std::string_view where) {
  return make_error(errc::kStackNotFound,
                    "no CloudFormation stack " + quote_value(stack_name) + std::string(where));
}

// CloudFormation answers a missing stack with 400 ValidationError "Stack with id X does not
// exist"; other validation errors (a malformed name) keep their own code.
bool names_a_missing_stack(const Error& error) {
  return error.code == "ValidationError" &&
         error.message.find("does not exist") != std::string::npos;
}

}  // namespace

ServiceRequest describe_stacks_request(const std::string& stack_name) {
  return form_post_request(
      {{"Action", "DescribeStacks"}, {"Version", "2010-05-15"}, {"StackName", stack_name}});
}

Result<StackDescription> parse_describe_stacks_response(std::string_view xml,
                                                        const std::string& stack_name) {
  pugi::xml_document document;
  if (!document.load_buffer(xml.data(), xml.size()))
    return malformed_answer("the answer is not XML");
  const auto result = document.child("DescribeStacksResponse").child("DescribeStacksResult");
  if (!result) return malformed_answer("no DescribeStacksResponse/DescribeStacksResult element");
  const auto stack = result.child("Stacks").child("member");
  if (!stack) return stack_not_found(stack_name, ": the answer lists no stack");

  StackDescription description;
  description.name = stack.child_value("StackName");
  description.status = stack.child_value("StackStatus");
  for (const auto output : stack.child("Outputs").children("member")) {
    const std::string key = output.child_value("OutputKey");
    if (key.empty()) return malformed_answer("an output without an OutputKey");
    description.outputs[key] = output.child_value("OutputValue");
  }
  return description;
}

CloudFormationClient::CloudFormationClient(const AwsConfig& config, HttpClient& http,
                                           RetryOptions retry)
    : client_("cloudformation", config.cloudformation, config.region, credential_source_of(config),
              http, retry),
      region_(config.region) {}

Result<StackDescription> CloudFormationClient::describe_stack(const std::string& stack_name) {
  auto answer = client_.call(describe_stacks_request(stack_name));
  if (!answer) {
    if (names_a_missing_stack(answer.error())) return stack_not_found(stack_name, " in " + region_);
    return with_context("DescribeStacks " + stack_name, answer.error());
  }
  return parse_describe_stacks_response(answer->body, stack_name);
}

}  // namespace bulkqa::aws
