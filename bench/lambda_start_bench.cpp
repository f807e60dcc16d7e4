// Cold start of each Lambda package as Lambda runs it: build/dist/<name>.zip unpacked into an
// empty root, its bootstrap started there with chroot (needs root), timed from the spawn until it
// asks the Runtime API for its first invocation, the moment Lambda's init phase ends. The
// argument 0 runs the package as built; 1 runs the main build's dynamically linked executable of
// the same function directly, for comparison.
#include <benchmark/benchmark.h>

#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <thread>

#include "bulkqa/local/function_process.hpp"
#include "bulkqa/local/runtime_api.hpp"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr const char* kPackages[] = {"launch", "pre-labeling", "post-labeling"};

fs::path unpacked_root(const std::string& name) {
  const fs::path root = fs::temp_directory_path() / ("bulkqa-start-bench-" + name);
  fs::remove_all(root);
  fs::create_directories(root / "var/task");
  fs::create_directories(root / "tmp");
  auto unzip = bulkqa::local::FunctionProcess::start(
      "/usr/bin/unzip", {}, std::nullopt,
      {"-q", std::string(BULKQA_DIST_DIR) + "/" + name + ".zip", "-d",
       (root / "var/task").string()});
  if (!unzip || unzip->wait() != 0) throw std::runtime_error("cannot unpack " + name + ".zip");
  return root;
}

void BM_ColdStart(benchmark::State& state, const char* name) {
  const bool dynamic = state.range(0) == 1;
  const fs::path root = unpacked_root(name);
  for (auto _ : state) {
    // A fresh Runtime API each time: one that served an earlier process still counts its poll.
    auto runtime_api = bulkqa::local::LocalRuntimeApi::start();
    if (!runtime_api) throw std::runtime_error(runtime_api.error().describe());
    const std::map<std::string, std::string> environment = {
        {"AWS_LAMBDA_RUNTIME_API", (*runtime_api)->endpoint()},
        {"AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"},
        {"AWS_SECRET_ACCESS_KEY", "secret"},
        {"AWS_REGION", "us-east-1"},
        {"LOG_LEVEL", "error"}};
    const auto started = Clock::now();
    auto process =
        dynamic ? bulkqa::local::FunctionProcess::start(
                      std::string(BULKQA_BIN_DIR) + "/bulkqa-" + name, environment, "/dev/null")
                : bulkqa::local::FunctionProcess::start_in_root(root, "/var/task/bootstrap",
                                                                environment, "/dev/null");
    if (!process) throw std::runtime_error(process.error().describe());
    // Polled finely: the wait is what is measured.
    while ((*runtime_api)->waiting_functions() == 0) {
      if (!process->running()) throw std::runtime_error(std::string(name) + " exited during init");
      std::this_thread::sleep_for(std::chrono::microseconds(50));
    }
    state.SetIterationTime(std::chrono::duration<double>(Clock::now() - started).count());
  }
  fs::remove_all(root);
}

int register_benchmarks() {
  for (const char* name : kPackages) {
    benchmark::RegisterBenchmark((std::string("BM_ColdStart/") + name).c_str(), BM_ColdStart, name)
        ->ArgName("dynamic")
        ->Arg(0)
        ->Arg(1)
        ->UseManualTime()
        ->Unit(benchmark::kMillisecond)
        ->Iterations(30);
  }
  return 0;
}
const int registered = register_benchmarks();

}  // namespace
