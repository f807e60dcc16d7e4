#include "bulkqa/local/local_function.hpp"

namespace bulkqa::local {

Result<std::unique_ptr<LocalFunction>> LocalFunction::start(
    const std::filesystem::path& executable, std::map<std::string, std::string> environment,
    const std::optional<std::filesystem::path>& stderr_file) {
  auto runtime_api = LocalRuntimeApi::start();
  if (!runtime_api) return runtime_api.error();
  environment["AWS_LAMBDA_RUNTIME_API"] = (*runtime_api)->endpoint();
  auto process = FunctionProcess::start(executable, environment, stderr_file);
  if (!process) return process.error();
  return std::unique_ptr<LocalFunction>(
      new LocalFunction(std::move(*runtime_api), std::move(*process)));
}

LocalFunction::LocalFunction(std::unique_ptr<LocalRuntimeApi> runtime_api, FunctionProcess process)
    : runtime_api_(std::move(runtime_api)), process_(std::move(process)) {}

InvokeResult LocalFunction::invoke(std::string event_json, std::chrono::milliseconds timeout) {
  return runtime_api_->invoke(std::move(event_json), timeout);
}

}  // namespace bulkqa::local
