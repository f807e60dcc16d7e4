// A real moto_server on a free loopback port with IAM authentication on: after the three
// unauthenticated calls that create an administrator, every request must be signed by a known key
// and allowed by that key's IAM policy. One server per test process, started on first use.
#pragma once

#include <map>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "bulkqa/aws/config.hpp"
#include "bulkqa/aws/sigv4.hpp"
#include "bulkqa/local/function_process.hpp"

namespace bulkqa::testing {

class MotoServer {
 public:
  static MotoServer& shared();

  const std::string& endpoint() const { return endpoint_; }  // "http://127.0.0.1:<port>"
  const aws::Credentials& admin() const { return admin_; }

  // A new IAM user whose only permissions are `policy` (an IAM policy document).
  aws::Credentials create_user(const std::string& name, const nlohmann::json& policy);

  // Configuration that reaches this server as the holder of `credentials`.
  aws::AwsConfig config(const aws::Credentials& credentials) const;
  // The environment a function process needs to reach this server as `credentials`.
  std::map<std::string, std::string> environment(const aws::Credentials& credentials) const;

  // Resources made with the administrator's key, as the CloudFormation stack would make them.
  void create_bucket(const std::string& bucket);
  void create_image_table(const std::string& table);

  // A name no other test of this process has used ("prefix-<n>").
  static std::string unique_name(const std::string& prefix);

  ~MotoServer();

 private:
  MotoServer();
  std::string iam_call(const std::string& action,
                       const std::vector<std::pair<std::string, std::string>>& parameters,
                       const aws::Credentials& credentials);

  std::unique_ptr<local::FunctionProcess> process_;
  std::string endpoint_;
  aws::Credentials admin_;
};

}  // namespace bulkqa::testing
