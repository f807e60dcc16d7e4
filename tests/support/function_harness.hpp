// Runs one of the real function executables as a process behind a local Lambda Runtime API, and
// receives what the launch function PUTs to CloudFormation's ResponseURL.
#pragma once

#include <map>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "bulkqa/local/local_function.hpp"
#include "bulkqa/local/response_url_server.hpp"
#include "support/test_paths.hpp"

namespace bulkqa::testing {

class FunctionUnderTest {
 public:
  // The function's stderr (its JSON log) goes to `log_file` when given.
  FunctionUnderTest(const std::string& executable,
                    const std::map<std::string, std::string>& environment,
                    const std::optional<std::filesystem::path>& log_file = std::nullopt);

  // The invocation's answer. Fails the test when the function did not answer at all.
  local::InvokeResult invoke(const nlohmann::json& event,
                             std::chrono::milliseconds timeout = std::chrono::seconds(120));
  // The same with the event as text, for events that a JSON value cannot hold or dump safely
  // (nested 100,000 deep, say).
  local::InvokeResult invoke_text(std::string event_text,
                                  std::chrono::milliseconds timeout = std::chrono::seconds(120));
  // The answer parsed as JSON; fails the test on an error answer.
  nlohmann::json invoke_ok(const nlohmann::json& event);
  pid_t pid() const { return function_->pid(); }

 private:
  std::unique_ptr<local::LocalFunction> function_;
};

// The ResponseURL stand-in, started for the test's lifetime.
class ResponseReceiver {
 public:
  ResponseReceiver();
  local::ResponseUrlServer* operator->() const { return server_.get(); }

 private:
  std::unique_ptr<local::ResponseUrlServer> server_;
};

}  // namespace bulkqa::testing
