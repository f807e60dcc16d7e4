// One deployed function executable run on this machine, as `sam local` runs it: a process that
// long-polls its own local Runtime API, invoked synchronously from this process. When the process
// exits, every invocation waiting on it, and every later one, fails with Runtime.ExitError.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "bulkqa/local/function_process.hpp"
#include "bulkqa/local/runtime_api.hpp"
#include "bulkqa/util/error.hpp"

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

  // Stops the process, terminating it (SIGTERM, then SIGKILL after a grace period).
  ~LocalFunction();
  LocalFunction(const LocalFunction&) = delete;
  LocalFunction& operator=(const LocalFunction&) = delete;

  // Thread-safe.
  InvokeResult invoke(std::string event_json, std::chrono::milliseconds timeout);
  pid_t pid() const { return process_.pid(); }

  // Sends the process SIGTERM if it still runs, without waiting: what it is doing fails fast.
  // Thread-safe, for stopping a run from another thread.
  void interrupt();

 private:
  LocalFunction(std::unique_ptr<LocalRuntimeApi> runtime_api, FunctionProcess process);
  // Until the destructor, checks every few milliseconds whether the process has exited.
  void watch_process();

  // Declared first so the process is stopped before its Runtime API goes away.
  std::unique_ptr<LocalRuntimeApi> runtime_api_;
  FunctionProcess process_;
  std::mutex process_mutex_;  // guards process_ and stopping_
  std::condition_variable stop_watching_;
  bool stopping_ = false;
  std::thread watcher_;
};

}  // namespace bulkqa::local
