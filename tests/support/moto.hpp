// The moto_server every integration test of a process shares (started on first use), with the
// helpers the tests need around it.
#pragma once

#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "bulkqa/local/moto.hpp"

namespace bulkqa::testing {

// An IAM policy document allowing one action on one resource.
nlohmann::json allow_policy(const std::string& action, const std::string& resource);

class MotoServer {
 public:
  static MotoServer& shared();

  const std::string& endpoint() const { return moto_->endpoint(); }
  const aws::Credentials& admin() const { return moto_->admin(); }
  aws::AwsConfig config(const aws::Credentials& credentials) const {
    return moto_->config(credentials);
  }
  std::map<std::string, std::string> environment(const aws::Credentials& credentials) const {
    return moto_->environment(credentials);
  }

  // These throw on failure: a test cannot go on without them.
  aws::Credentials create_user(const std::string& name, const nlohmann::json& policy);
  // The new role's ARN.
  std::string create_role(const std::string& name, const nlohmann::json& policy);
  void create_bucket(const std::string& bucket);
  void create_image_table(const std::string& table);
  void create_portal_table(const std::string& table);

  // A name no other test of this process has used ("prefix-<pid>-<n>").
  static std::string unique_name(const std::string& prefix);

 private:
  MotoServer();
  std::unique_ptr<local::LocalMoto> moto_;
};

}  // namespace bulkqa::testing
