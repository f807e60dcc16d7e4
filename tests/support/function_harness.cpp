#include "support/function_harness.hpp"

#include <gtest/gtest.h>

namespace bulkqa::testing {

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
  return invoke_text(event.dump(), timeout);
}

local::InvokeResult FunctionUnderTest::invoke_text(std::string event_text,
                                                   std::chrono::milliseconds timeout) {
  auto result = function_->invoke(std::move(event_text), timeout);
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
