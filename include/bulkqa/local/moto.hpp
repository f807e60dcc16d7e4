// A real moto_server on a free loopback port with IAM authentication on, standing in for S3,
// DynamoDB and IAM on this machine: after the three unauthenticated calls that create an
// administrator, every request must be signed by a known key and allowed by its IAM policy.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "bulkqa/aws/config.hpp"
#include "bulkqa/aws/sigv4.hpp"
#include "bulkqa/local/function_process.hpp"
#include "bulkqa/util/error.hpp"

namespace bulkqa::local {

struct MotoOptions {
  std::filesystem::path python = "python3";  // a bare name is looked up on PATH
  std::filesystem::path log_file;            // moto's request log; empty: discarded
  std::string region = "us-east-1";
};

class LocalMoto {
 public:
  // Starts the server, waits until it serves, and creates the administrator.
  static Result<std::unique_ptr<LocalMoto>> start(const MotoOptions& options = {});

  const std::string& endpoint() const { return endpoint_; }  // "http://127.0.0.1:<port>"
  const aws::Credentials& admin() const { return admin_; }

  // A new IAM user whose only permissions are `policy` (an IAM policy document).
  Result<aws::Credentials> create_user(const std::string& name, const nlohmann::json& policy);

  // A new IAM role whose only permissions are `policy` and which any principal may assume (moto
  // checks a trust policy's principal only against "*" or an exact ARN); its ARN.
  Result<std::string> create_role(const std::string& name, const nlohmann::json& policy);

  // Configuration that reaches this server as the holder of `credentials`.
  aws::AwsConfig config(const aws::Credentials& credentials) const;
  // The environment a function process needs to reach this server as `credentials`.
  std::map<std::string, std::string> environment(const aws::Credentials& credentials) const;

  // Sends moto SIGTERM if it still runs, without waiting: requests in flight then fail fast.
  // Callable from another thread (no other call touches the process once started).
  void interrupt();

  // The stack's resources, made with the administrator's key as the CloudFormation template
  // makes them.
  Status create_bucket(const std::string& bucket);
  Status create_image_table(const std::string& table);
  // The review portal's table, keyed as the template creates it (portal/portal_table.hpp).
  Status create_portal_table(const std::string& table);

 private:
  LocalMoto(std::unique_ptr<FunctionProcess> process, std::string endpoint, std::string region);
  Result<std::string> iam_call(const std::string& action,
                               const std::vector<std::pair<std::string, std::string>>& parameters,
                               const aws::Credentials& credentials);
  Status create_admin();

  std::unique_ptr<FunctionProcess> process_;
  std::string endpoint_;
  std::string region_;
  aws::Credentials admin_;
};

}  // namespace bulkqa::local
