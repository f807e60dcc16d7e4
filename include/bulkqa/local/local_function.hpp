// One deployed function executable run on this machine, as `sam local` runs it: a process that
// long-polls its own local Runtime API, invoked synchronously from this process.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "bulkqa/error.hpp"
#include "bulkqa/local/function_process.hpp"
#include "bulkqa/local/runtime_api.hpp"

namespace bulkqa::local {

class LocalFunction {
 public:
  // Starts `executable` with `environment` added to this process's own, and
  // AWS_LAMBDA_RUNTIME_API pointing at a fresh local Runtime API. Its stderr (the JSON logs) goes
  // to `stderr_file` when given.
  static Result<std::unique_ptr<LocalFunction>> start(
      const std::filesystem::path& executable, std::map<std::string, std::string> environment,
      const std::optional<std::filesystem::path>& stderr_file = std::nullopt);

  // Starts a Lambda package unpacked at `root` (its files under root/var/task) as Lambda does:
  // /var/task/bootstrap with `root` as the root directory, and only the environment Lambda gives
  // a custom runtime (LAMBDA_TASK_ROOT, LD_LIBRARY_PATH, PATH, ...) plus `environment` and
  // AWS_LAMBDA_RUNTIME_API. Needs root privileges (chroot).
  static Result<std::unique_ptr<LocalFunction>> start_in_root(
      const std::filesystem::path& root, std::map<std::string, std::string> environment,
      const std::optional<std::filesystem::path>& stderr_file = std::nullopt);

  InvokeResult invoke(std::string event_json, std::chrono::milliseconds timeout);

 private:
  LocalFunction(std::unique_ptr<LocalRuntimeApi> runtime_api, FunctionProcess process);

  // Declared first so the process is stopped before its Runtime API goes away.
  std::unique_ptr<LocalRuntimeApi> runtime_api_;
  FunctionProcess process_;
};

}  // namespace bulkqa::local
