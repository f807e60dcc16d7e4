#include "support/template_policies.hpp"

#include <filesystem>
#include <stdexcept>

#include "bulkqa/local/function_process.hpp"
#include "support/moto.hpp"
#include "support/test_paths.hpp"

namespace bulkqa::testing {

namespace fs = std::filesystem;
using nlohmann::json;

nlohmann::json template_policies(const Deployment& deployment,
                                 const std::vector<std::string>& parameters) {
  const fs::path output =
      fs::temp_directory_path() / (MotoServer::unique_name("policies") + ".json");
  const fs::path errors =
      fs::temp_directory_path() / (MotoServer::unique_name("policies") + ".log");
  std::vector<std::string> arguments = {
      "python3",
      source_path("tests/support/template_policies.py"),
      source_path("cloudformation/bulkqa.yaml"),
      "--parameter=LaunchBucket=" + deployment.launch_bucket,
      "--parameter=LaunchPackageKey=packages/launch.zip",
      "--parameter=PreLabelingPackageKey=packages/pre-labeling.zip",
      "--parameter=PostLabelingPackageKey=packages/post-labeling.zip",
      "--parameter=LabelCorpusKey=" + deployment.corpus_key,
      "--parameter=ImageSourceBucket=" + deployment.image_bucket,
      "--parameter=ImageSourcePrefix=" + deployment.image_prefix,
      "--parameter=TableName=" + deployment.table,
      "--resource=PortalTable=" + deployment.portal_table,
      "--resource=StackBucket=" + deployment.stack_bucket,
      std::string("--region=") + kRegion,
      std::string("--account=") + kAccount,
      std::string("--stack-uuid=") + kStackUuid,
      "--output=" + output.string()};
  for (const auto& parameter : parameters) arguments.push_back("--parameter=" + parameter);
  auto process = local::FunctionProcess::start("/usr/bin/env", {}, errors, arguments);
  if (!process) throw std::runtime_error(process.error().describe());
  if (process->wait() != 0) {
    throw std::runtime_error("template_policies.py failed: " + read_file(errors));
  }
  json policies = json::parse(read_file(output));
  fs::remove(output);
  fs::remove(errors);
  return policies;
}

std::vector<std::string> actions_of(const json& statement) {
  const json& action = statement["Action"];
  return action.is_array() ? action.get<std::vector<std::string>>()
                           : std::vector<std::string>{action.get<std::string>()};
}

bool is_dynamodb_statement(const json& statement) {
  for (const auto& action : actions_of(statement)) {
    if (!action.starts_with("dynamodb:")) return false;
  }
  return true;
}

bool allows(const json& statement, const std::string& wanted) {
  for (const auto& action : actions_of(statement)) {
    if (action == wanted) return true;
  }
  return false;
}

nlohmann::json as_moto_enforces(nlohmann::json policy) {
  for (auto& statement : policy["Statement"]) {
    if (is_dynamodb_statement(statement)) {
      statement["Resource"] = "*";
      if (allows(statement, "dynamodb:PutItem") || allows(statement, "dynamodb:UpdateItem")) {
        json actions = actions_of(statement);
        actions.push_back("dynamodb:TransactWriteItems");
        statement["Action"] = actions;
      }
    }
    if (!allows(statement, "s3:DeleteObject")) continue;
    json resources = statement["Resource"].is_array() ? statement["Resource"]
                                                      : json::array({statement["Resource"]});
    for (const std::string resource : json(resources)) {
      if (resource.ends_with("/*")) resources.push_back(resource.substr(0, resource.size() - 2));
    }
    statement["Resource"] = resources;
  }
  return policy;
}

}  // namespace bulkqa::testing
