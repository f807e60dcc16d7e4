#include "support/moto.hpp"

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <stdexcept>

namespace bulkqa::testing {
namespace {

void check(const Status& status, const std::string& what) {
  if (!status) throw std::runtime_error(what + ": " + status.error().describe());
}

}  // namespace

nlohmann::json allow_policy(const std::string& action, const std::string& resource) {
  const nlohmann::json statement = {
      {"Effect", "Allow"}, {"Action", action}, {"Resource", resource}};
  return {{"Version", "2012-10-17"}, {"Statement", nlohmann::json::array({statement})}};
}

MotoServer& MotoServer::shared() {
  static MotoServer server;
  return server;
}

MotoServer::MotoServer() {
  local::MotoOptions options;
  if (const char* python = std::getenv("BULKQA_PYTHON")) options.python = python;
  if (const char* log_dir = std::getenv("BULKQA_TEST_LOG_DIR")) {
    options.log_file =
        std::filesystem::path(log_dir) / ("moto-" + std::to_string(::getpid()) + ".log");
  }
  auto moto = local::LocalMoto::start(options);
  if (!moto) throw std::runtime_error(moto.error().describe());
  moto_ = std::move(*moto);
}

aws::Credentials MotoServer::create_user(const std::string& name, const nlohmann::json& policy) {
  auto credentials = moto_->create_user(name, policy);
  if (!credentials)
    throw std::runtime_error("creating user " + name + ": " + credentials.error().describe());
  return *credentials;
}

std::string MotoServer::create_role(const std::string& name, const nlohmann::json& policy) {
  auto arn = moto_->create_role(name, policy);
  if (!arn) throw std::runtime_error("creating role " + name + ": " + arn.error().describe());
  return *arn;
}

void MotoServer::create_bucket(const std::string& bucket) {
  check(moto_->create_bucket(bucket), "CreateBucket " + bucket);
}

void MotoServer::create_image_table(const std::string& table) {
  check(moto_->create_image_table(table), "CreateTable " + table);
}

void MotoServer::create_portal_table(const std::string& table) {
  check(moto_->create_portal_table(table), "CreateTable " + table);
}

std::string MotoServer::unique_name(const std::string& prefix) {
  static std::atomic<int> counter{0};
  return prefix + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
}

}  // namespace bulkqa::testing
