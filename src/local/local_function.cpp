#include "bulkqa/local/local_function.hpp"

#include <signal.h>

namespace bulkqa::local {
namespace {

constexpr auto kExitCheckInterval = std::chrono::milliseconds(50);

}  // namespace

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

Result<std::unique_ptr<LocalFunction>> LocalFunction::start_in_root(
    const std::filesystem::path& root, std::map<std::string, std::string> environment,
    const std::optional<std::filesystem::path>& stderr_file) {
  // What provided.al2023 sets for every function; LD_LIBRARY_PATH puts the system's libraries
  // first, which a package must not depend on.
  std::map<std::string, std::string> lambda_environment = {
      {"LAMBDA_TASK_ROOT", "/var/task"},
      {"LAMBDA_RUNTIME_DIR", "/var/runtime"},
      {"LD_LIBRARY_PATH",
       "/var/lang/lib:/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:/var/task:/var/task/lib:"
       "/opt/lib"},
      {"PATH", "/usr/local/bin:/usr/bin/:/bin:/opt/bin"},
      {"LANG", "en_US.UTF-8"},
      {"TZ", ":UTC"}};
  environment.merge(lambda_environment);
  auto runtime_api = LocalRuntimeApi::start();
  if (!runtime_api) return runtime_api.error();
  environment["AWS_LAMBDA_RUNTIME_API"] = (*runtime_api)->endpoint();
  auto process =
      FunctionProcess::start_in_root(root, "/var/task/bootstrap", environment, stderr_file);
  if (!process) return process.error();
  return std::unique_ptr<LocalFunction>(
      new LocalFunction(std::move(*runtime_api), std::move(*process)));
}

LocalFunction::LocalFunction(std::unique_ptr<LocalRuntimeApi> runtime_api, FunctionProcess process)
    : runtime_api_(std::move(runtime_api)), process_(std::move(process)) {
  watcher_ = std::thread([this] { watch_process(); });
}

LocalFunction::~LocalFunction() {
  {
    std::lock_guard lock(process_mutex_);
    stopping_ = true;
  }
  stop_watching_.notify_all();
  watcher_.join();
}

void LocalFunction::watch_process() {
  std::unique_lock lock(process_mutex_);
  while (!stopping_) {
    if (!process_.running()) {
      const int exit_code = process_.wait();
      lock.unlock();
      runtime_api_->fail_all("Runtime.ExitError", "the function process exited (status " +
                                                      std::to_string(exit_code) + ")");
      return;
    }
    stop_watching_.wait_for(lock, kExitCheckInterval);
  }
}

InvokeResult LocalFunction::invoke(std::string event_json, std::chrono::milliseconds timeout) {
  return runtime_api_->invoke(std::move(event_json), timeout);
}

void LocalFunction::interrupt() {
  // Under the lock the watcher reaps with, so the pid still names this process.
  std::lock_guard lock(process_mutex_);
  if (process_.running()) ::kill(process_.pid(), SIGTERM);
}

}  // namespace bulkqa::local
