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
