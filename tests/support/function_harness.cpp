#include "support/function_harness.hpp"

#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

namespace bulkqa::testing {
namespace {

std::string env_or(const char* name, const char* built_in) {
  const char* value = std::getenv(name);
  return value != nullptr ? value : built_in;
}

}  // namespace

std::string binary_path(const std::string& name) {
  return env_or("BULKQA_BIN_DIR", BULKQA_DEFAULT_BIN_DIR) + "/" + name;
}

std::string source_path(const std::string& relative) {
  return env_or("BULKQA_SOURCE_DIR", BULKQA_DEFAULT_SOURCE_DIR) + "/" + relative;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

FunctionUnderTest::FunctionUnderTest(const std::string& executable,
                                     const std::map<std::string, std::string>& environment,
                                     const std::optional<std::filesystem::path>& log_file) {
  auto process_environment = environment;
  if (!process_environment.contains("LOG_LEVEL")) process_environment["LOG_LEVEL"] = "warn";
  auto function =
      local::LocalFunction::start(binary_path(executable), process_environment, log_file);
  if (!function) throw std::runtime_error(function.error().describe());
  function_ = std::move(*function);
}

local::InvokeResult FunctionUnderTest::invoke(const nlohmann::json& event,
                                              std::chrono::milliseconds timeout) {
  auto result = function_->invoke(event.dump(), timeout);
  EXPECT_FALSE(result.timed_out) << "the function did not answer in time";
  return result;
}

nlohmann::json FunctionUnderTest::invoke_ok(const nlohmann::json& event) {
  auto result = invoke(event);
  EXPECT_TRUE(result.ok) << result.error_type << ": " << result.error_message;
  if (!result.ok) return nullptr;
  return nlohmann::json::parse(result.payload);
}

ResponseReceiver::ResponseReceiver() {
  auto server = local::ResponseUrlServer::start();
  if (!server) throw std::runtime_error(server.error().describe());
  server_ = std::move(*server);
}

}  // namespace bulkqa::testing
