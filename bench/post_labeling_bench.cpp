// Post-labeling in round trips, and its cold start: the real bulkqa-post-labeling executable,
// behind a local Lambda Runtime API, consolidates Ground Truth's answers against the AWS sink
// (bench/support/aws_sink.hpp), which answers every call after one round trip (20 ms by default).
// Each task's batch and each reviewer's answer are objects in S3, as Ground Truth leaves them when
// answers are large. For each payload size it prints: the time from exec to the first /next (the
// end of Lambda's init) and to the first answer; the wall time of a warm invocation (the median
// of several) over the delay, that is the round trips it takes; its CPU; the process's peak RSS;
// and the requests of one invocation.
//
// A plain program, as launch_bench: what it measures is another process, started fresh for each
// size. `lambda_start_bench` gives the packages' own exec-to-/next under chroot, as Lambda runs
// them; this one runs the build's executable.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "bulkqa/local/function_process.hpp"
#include "bulkqa/local/runtime_api.hpp"
#include "bulkqa/qa/batching.hpp"
#include "bulkqa/qa/ground_truth.hpp"
#include "support/aws_sink.hpp"
#include "support/process_stats.hpp"

namespace bulkqa::bench {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr const char* kStackBucket = "bulkqa-stack";
constexpr const char* kOutputBucket = "bulkqa-gt-output";
constexpr const char* kPayloadKey = "iteration-1/request.json";
constexpr const char* kTable = "bulkqa-images";
constexpr auto kInvokeTimeout = std::chrono::minutes(5);

struct Options {
  std::vector<std::size_t> tasks = {1, 10};
  std::size_t images = 25;
  std::size_t reviewers = 3;
  int delay_ms = 20;
  int warm_runs = 9;
  std::string post_labeling = std::string(BULKQA_BIN_DIR) + "/bulkqa-post-labeling";
  std::string log_dir = (fs::temp_directory_path() / "bulkqa-post-labeling-bench").string();
};

struct Run {
  std::size_t tasks = 0;
  double to_first_next_ms = 0;
  double to_first_answer_ms = 0;
  double warm_ms = 0;  // the median warm invocation
  double warm_cpu_ms = 0;
  double peak_rss_mib = 0;
  std::size_t requests_per_invocation = 0;
  std::size_t sink_peak_in_flight = 0;
};

double milliseconds_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// `tasks` tasks of `images` images each in the sink, each with every reviewer's answer stored
// in S3 (reviewer r confirms the images whose index is not a multiple of r + 2), and the
// consolidation payload naming them.
void stock_sink(AwsSink& sink, const Options& options, std::size_t tasks) {
  std::vector<DatasetObject> objects;
  for (std::size_t task = 0; task < tasks; ++task) {
    std::vector<BatchItem> batch;
    for (std::size_t image = 0; image < options.images; ++image) {
      batch.push_back({"s3://" + std::string(kStackBucket) + "/images/" + std::to_string(task) +
                           "-" + std::to_string(image) + ".jpg",
                       "Crab", 90});
    }
    const S3Uri batch_uri{kStackBucket, "batches/" + std::to_string(task) + ".json"};
    sink.put_object(batch_uri.bucket, batch_uri.key, batch_to_json(batch).dump());
    DatasetObject object{std::to_string(task), batch_uri, std::nullopt, {}};
    for (std::size_t reviewer = 0; reviewer < options.reviewers; ++reviewer) {
      std::vector<Vote> votes;
      for (std::size_t image = 0; image < options.images; ++image) {
        votes.push_back({image, image % (reviewer + 2) != 0});
      }
      const std::string worker = "worker-" + std::to_string(reviewer);
      const S3Uri answer_uri{kOutputBucket,
                             "annotations/" + std::to_string(task) + "/" + worker + ".json"};
      sink.put_object(answer_uri.bucket, answer_uri.key, annotation_content(batch, votes));
      object.annotations.push_back({worker, std::nullopt, answer_uri});
    }
    objects.push_back(std::move(object));
  }
  sink.put_object(kOutputBucket, kPayloadKey, consolidation_payload_json(objects).dump());
}

std::string post_labeling_event() {
  return nlohmann::json{
      {"version", "2018-10-06"},
      {"labelingJobArn", "arn:aws:sagemaker:us-east-1:000000000000:labeling-job/bench"},
      {"labelCategories", nlohmann::json::array()},
      {"labelAttributeName", "bulkqa"},
      {"roleArn", "arn:aws:iam::000000000000:role/bench"},
      {"payload", {{"s3Uri", S3Uri{kOutputBucket, kPayloadKey}.str()}}}}
      .dump();
}

std::map<std::string, std::string> environment(const AwsSink& sink,
                                               const local::LocalRuntimeApi& runtime_api) {
  auto variables = function_environment(sink);
  variables["AWS_LAMBDA_RUNTIME_API"] = runtime_api.endpoint();
  variables["BULKQA_TABLE"] = kTable;
  variables["BULKQA_BUCKET"] = kStackBucket;
  return variables;
}

std::size_t total_requests(const AwsSink& sink) {
  std::size_t total = 0;
  for (const auto& [operation, count] : sink.counts()) total += count.requests;
  return total;
}

// One invocation; an Error with the function's own when it did not answer with success.
Result<double> timed_invocation(local::LocalRuntimeApi& runtime_api, const std::string& event) {
  const auto started = Clock::now();
  const local::InvokeResult answer = runtime_api.invoke(event, kInvokeTimeout);
  const double elapsed = milliseconds_since(started);
  if (!answer.ok) {
    return make_error(answer.timed_out ? "Timeout" : answer.error_type, answer.error_message);
  }
  return elapsed;
}

Result<Run> run_post_labeling(const Options& options, std::size_t tasks) {
  AwsSinkOptions sink_options;
  sink_options.delay = std::chrono::milliseconds(options.delay_ms);
  auto sink = AwsSink::start(sink_options);
  if (!sink) return sink.error();
  stock_sink(**sink, options, tasks);
  auto runtime_api = local::LocalRuntimeApi::start();
  if (!runtime_api) return runtime_api.error();

  fs::create_directories(options.log_dir);
  const fs::path log = fs::path(options.log_dir) / (std::to_string(tasks) + "-tasks.log");
  Run run;
  run.tasks = tasks;
  const auto started = Clock::now();
  auto process =
      local::FunctionProcess::start(options.post_labeling, environment(**sink, **runtime_api), log);
  if (!process) return process.error();
  // Polled finely: the wait is what is measured.
  while ((*runtime_api)->waiting_functions() == 0) {
    if (!process->running()) return make_error("ExitError", "post-labeling exited during init");
    std::this_thread::sleep_for(std::chrono::microseconds(50));
  }
  run.to_first_next_ms = milliseconds_since(started);
  const std::string event = post_labeling_event();
  if (auto first = timed_invocation(**runtime_api, event); !first) return first.error();
  run.to_first_answer_ms = milliseconds_since(started);

  const std::size_t requests_before = total_requests(**sink);
  const double cpu_before = cpu_seconds(process->pid());
  std::vector<double> warm;
  for (int i = 0; i < options.warm_runs; ++i) {
    auto elapsed = timed_invocation(**runtime_api, event);
    if (!elapsed) return elapsed.error();
    warm.push_back(*elapsed);
  }
  std::sort(warm.begin(), warm.end());
  run.warm_ms = warm[warm.size() / 2];
  run.warm_cpu_ms = 1000 * (cpu_seconds(process->pid()) - cpu_before) / options.warm_runs;
  run.requests_per_invocation = (total_requests(**sink) - requests_before) / options.warm_runs;
  run.peak_rss_mib = status_kib(process->pid(), "VmHWM") / 1024;
  run.sink_peak_in_flight = (*sink)->peak_in_flight();
  return run;
}

void print_header() {
  std::printf("%6s %7s %9s %12s %14s %9s %12s %9s %8s %9s %5s\n", "tasks", "images", "reviewers",
              "exec→next ms", "exec→answer ms", "warm ms", "round trips", "CPU ms", "RSS MiB",
              "requests", "peak");
}

void print_run(const Options& options, const Run& run) {
  std::printf("%6zu %7zu %9zu %12.2f %14.2f %9.1f %12.2f %9.2f %8.1f %9zu %5zu\n", run.tasks,
              options.images, options.reviewers, run.to_first_next_ms, run.to_first_answer_ms,
              run.warm_ms, run.warm_ms / options.delay_ms, run.warm_cpu_ms, run.peak_rss_mib,
              run.requests_per_invocation, run.sink_peak_in_flight);
  std::fflush(stdout);
}

}  // namespace
}  // namespace bulkqa::bench

int main(int argc, char** argv) {
  using namespace bulkqa::bench;
  Options options;
  CLI::App app{"Post-labeling benchmark: bulkqa-post-labeling against a loopback AWS sink"};
  app.add_option("--tasks", options.tasks, "tasks (dataset objects) per payload, one run each");
  app.add_option("--images", options.images, "images per task")->check(CLI::Range(1, 1000));
  app.add_option("--reviewers", options.reviewers, "answers per task")->check(CLI::Range(1, 100));
  app.add_option("--delay-ms", options.delay_ms, "the sink's delay before each answer")
      ->check(CLI::Range(1, 10'000));
  app.add_option("--warm-runs", options.warm_runs, "warm invocations, of which the median counts")
      ->check(CLI::Range(1, 1000));
  app.add_option("--post-labeling", options.post_labeling, "the post-labeling executable");
  app.add_option("--log-dir", options.log_dir, "where each run's function log goes");
  CLI11_PARSE(app, argc, argv);

  std::printf(
      "post-labeling against the sink at %d ms; round trips = warm ms / %d ms; logs in %s\n",
      options.delay_ms, options.delay_ms, options.log_dir.c_str());
  print_header();
  for (const std::size_t tasks : options.tasks) {
    auto run = run_post_labeling(options, tasks);
    if (!run) {
      std::cerr << "cannot run " << tasks << " tasks: " << run.error().describe() << "\n";
      return 1;
    }
    print_run(options, *run);
  }
  return 0;
}
