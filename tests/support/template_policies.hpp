// The template's IAM policies resolved for a test's resources (template_policies.py), and those
// policies as moto can enforce them, so integration tests run each part of the product under the
// policy the template gives it.
//
// Three differences between moto's authorization and AWS's shape what moto is given:
// - moto authorizes DynamoDB calls by action only (it evaluates them against the resource "*"): the
//   DynamoDB statements get the resource "*", and tests check their resources against the tables'
//   ARNs instead;
// - moto authorizes TransactWriteItems as the action dynamodb:TransactWriteItems, where AWS checks
//   each write in it (dynamodb:PutItem, UpdateItem, ...): a DynamoDB statement allowing PutItem or
//   UpdateItem also allows it;
// - moto authorizes DeleteObjects, the batch delete, as s3:DeleteObject on the bucket's ARN, where
//   AWS checks each key: a statement allowing s3:DeleteObject on "<bucket>/*" also names
//   "<bucket>" (only its own buckets, so deletes elsewhere stay refused).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace bulkqa::testing {

inline constexpr const char* kAccount = "123456789012";
inline constexpr const char* kRegion = "us-east-1";
// The id the stack's ARN ends with; the functions' names end with it.
inline constexpr const char* kStackUuid = "6f1c2b7e-3d4a-4e5f-9a8b-7c6d5e4f3a2b";

// The names a deployment would give the template's parameters and resources.
struct Deployment {
  std::string stack_bucket;
  std::string launch_bucket;
  std::string image_bucket;
  std::string table;
  std::string portal_table = "portal-table";
  std::string corpus_key = "corpus/smallsample.csv";
  std::string image_prefix = "caltech101/";
};

// {"LaunchRole": policy, ..., "PortalPolicy": policy} as template_policies.py resolves them for
// `deployment`, with the template's other parameters at their defaults unless `parameters`
// ("Name=value") sets them. Throws when the script fails.
nlohmann::json template_policies(const Deployment& deployment,
                                 const std::vector<std::string>& parameters = {});

// The policy as moto can enforce it (see the top).
nlohmann::json as_moto_enforces(nlohmann::json policy);

std::vector<std::string> actions_of(const nlohmann::json& statement);
bool is_dynamodb_statement(const nlohmann::json& statement);
bool allows(const nlohmann::json& statement, const std::string& wanted);

}  // namespace bulkqa::testing
