// The launch at scale: the real bulkqa-launch executable, behind a local Lambda Runtime API,
// launches a generated corpus against the AWS sink (bench/support/aws_sink.hpp), which answers
// every call after one round trip (20 ms by default). Each run is one Create of a fresh process and
// prints: wall time; requests per second as a ratio of what the concurrency and the sink's rate
// limits allow; the process's peak RSS and CPU per request; throttled attempts; and a projection
// to 1,000,000 images on AWS.
//
// A plain program rather than Google Benchmark: each run is one launch of seconds to minutes,
// measured once, and what matters is another process's memory and CPU and the sink's counts,
// which Google Benchmark's repeated in-process iterations do not fit.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "bulkqa/local/local_function.hpp"
#include "support/aws_sink.hpp"
#include "support/generated_corpus.hpp"
#include "support/process_stats.hpp"

namespace bulkqa::bench {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr const char* kStackBucket = "bulkqa-stack";
constexpr const char* kLaunchBucket = "bulkqa-launch";
constexpr const char* kCorpusKey = "corpus.csv";
constexpr const char* kImageBucket = "bulkqa-image-source";
constexpr const char* kImagePrefix = "images/";
constexpr const char* kTable = "bulkqa-images";
// Far beyond Lambda's 15 minutes: a slow launch is measured rather than cut off.
constexpr auto kInvokeTimeout = std::chrono::hours(2);
constexpr double kProjectedRows = 1'000'000;

// What AWS allows per second, for the projection: a new on-demand DynamoDB table's writes and
// reads, and S3's per-prefix request rates, taken as the whole bucket's (a new bucket starts as
// one partition). Operations not named run at what the concurrency allows.
const std::map<std::string, double> kAwsRateLimits = {
    {"UpdateItem", 4000},    {"PutItem", 4000},   {"DeleteItem", 4000},
    {"GetItem", 12000},      {"PutObject", 3500}, {"CopyObject", 3500},
    {"DeleteObjects", 3500}, {"GetObject", 5500}, {"ListObjectsV2", 5500},
};

struct Scenario {
  std::size_t rows;
  bool copy_images;
  int concurrency;
  std::map<std::string, double> rate_limits;  // the sink's, per operation
};

struct Run {
  Scenario scenario;
  std::string status;  // SUCCESS, FAILED, or the invocation's error type
  std::string reason;
  double wall_seconds = 0;
  double cpu_seconds = 0;
  double peak_rss_mib = 0;
  std::size_t sink_peak_in_flight = 0;
  std::map<std::string, OperationCount> counts;
};

struct Options {
  std::vector<std::size_t> rows = {10'000, 100'000};
  std::vector<int> concurrency = {64, 256};
  std::vector<std::string> copy_images = {"true", "false"};
  int delay_ms = 20;
  bool throttled_run = true;
  bool only_throttled = false;
  std::string launch = std::string(BULKQA_BIN_DIR) + "/bulkqa-launch";
  std::string log_dir = (fs::temp_directory_path() / "bulkqa-launch-bench").string();
};

nlohmann::json create_event(const AwsSink& sink, const Scenario& scenario) {
  return {{"RequestType", "Create"},
          {"ResponseURL", sink.response_url("launch")},
          {"StackId", "arn:aws:cloudformation:us-east-1:000000000000:stack/bench/1"},
          {"RequestId", "bench-request"},
          {"LogicalResourceId", "Launch"},
          {"ResourceType", "Custom::Launch"},
          {"ResourceProperties",
           {{"ServiceToken", "arn:aws:lambda:us-east-1:000000000000:function:bench"},
            {"S3Bucket", kStackBucket},
            {"DynamoDBTable", kTable},
            {"LaunchBucket", kLaunchBucket},
            {"LabelCorpusKey", kCorpusKey},
            {"ImageSourceBucket", kImageBucket},
            {"ImageSourcePrefix", kImagePrefix},
            {"QABatchSize", "25"},
            {"Concurrency", std::to_string(scenario.concurrency)},
            {"CopyImages", scenario.copy_images ? "true" : "false"}}}};
}

// The corpus in the launch bucket and its images under the source prefix.
void stock_sink(AwsSink& sink, std::size_t rows) {
  sink.put_object(kLaunchBucket, kCorpusKey, generated_corpus(rows));
  std::vector<std::string> images;
  images.reserve(rows);
  for (std::size_t row = 0; row < rows; ++row) {
    images.push_back(kImagePrefix + generated_image_path(row));
  }
  sink.add_keys(kImageBucket, images);
}

std::string scenario_name(const Scenario& scenario) {
  std::string name = std::to_string(scenario.rows) + "-rows-c" +
                     std::to_string(scenario.concurrency) +
                     (scenario.copy_images ? "-copy" : "-in-place");
  for (const auto& [operation, rate] : scenario.rate_limits) {
    name += "-" + operation + "-" + std::to_string(static_cast<long>(rate));
  }
  return name;
}

Result<Run> run_launch(const Options& options, const Scenario& scenario) {
  AwsSinkOptions sink_options;
  sink_options.delay = std::chrono::milliseconds(options.delay_ms);
  sink_options.rate_limits = scenario.rate_limits;
  auto sink = AwsSink::start(sink_options);
  if (!sink) return sink.error();
  stock_sink(**sink, scenario.rows);

  fs::create_directories(options.log_dir);
  const fs::path log = fs::path(options.log_dir) / (scenario_name(scenario) + ".log");
  auto launch = local::LocalFunction::start(options.launch, function_environment(**sink), log);
  if (!launch) return launch.error();
  const pid_t pid = (*launch)->pid();

  Run run{scenario, "", "", 0, 0, 0, 0, {}};
  const double cpu_before = cpu_seconds(pid);
  const auto started = Clock::now();
  const local::InvokeResult answer =
      (*launch)->invoke(create_event(**sink, scenario).dump(), kInvokeTimeout);
  run.wall_seconds = std::chrono::duration<double>(Clock::now() - started).count();
  run.cpu_seconds = cpu_seconds(pid) - cpu_before;
  run.peak_rss_mib = status_kib(pid, "VmHWM") / 1024;
  run.counts = (*sink)->counts();
  run.sink_peak_in_flight = (*sink)->peak_in_flight();
  if (answer.ok) {
    const auto payload = nlohmann::json::parse(answer.payload, nullptr, false);
    run.status = payload.value("Status", "?");
    run.reason = payload.value("Reason", "");
  } else {
    run.status = answer.timed_out ? "TIMEOUT" : answer.error_type;
    run.reason = answer.error_message + " (log: " + log.string() + ")";
  }
  launch->reset();  // stopped before its sink
  return run;
}

std::uint64_t total_requests(const Run& run) {
  std::uint64_t total = 0;
  for (const auto& [operation, count] : run.counts) total += count.requests;
  return total;
}

std::uint64_t total_throttled(const Run& run) {
  std::uint64_t total = 0;
  for (const auto& [operation, count] : run.counts) total += count.throttled;
  return total;
}

double unlimited_rate(const Options& options, const Scenario& scenario) {
  return scenario.concurrency * 1000.0 / options.delay_ms;
}

double limit_of(const std::map<std::string, double>& limits, const std::string& operation) {
  const auto limit = limits.find(operation);
  return limit == limits.end() ? std::numeric_limits<double>::infinity() : limit->second;
}

// The least time requests need when the operations run side by side, as launch runs them: all of
// them at concurrency ÷ delay, and each limited operation at its limit, whichever takes longer.
double least_seconds(const std::map<std::string, OperationCount>& answered_requests,
                     double unlimited, const std::map<std::string, double>& limits) {
  double all = 0;
  double slowest_limited = 0;
  for (const auto& [operation, count] : answered_requests) {
    const double answered = static_cast<double>(count.requests - count.throttled);
    all += answered;
    slowest_limited = std::max(slowest_limited, answered / limit_of(limits, operation));
  }
  return std::max(all / unlimited, slowest_limited);
}

// The least time the answered requests need, over the wall time: 1 is a launch that keeps every
// slot busy, or its most limited operation at its limit, from start to end; throttled attempts
// earn nothing.
double ratio(const Options& options, const Run& run) {
  return least_seconds(run.counts, unlimited_rate(options, run.scenario),
                       run.scenario.rate_limits) /
         run.wall_seconds;
}

// 1,000,000 rows on AWS, with a round trip as long as the sink's delay: this run's requests per
// row, at the rate this run reached (its ratio of what the concurrency allows), each operation
// capped by what AWS allows it (kAwsRateLimits).
double project_million_seconds(const Options& options, const Run& run) {
  const double scale = kProjectedRows / static_cast<double>(run.scenario.rows);
  std::map<std::string, OperationCount> scaled;
  for (const auto& [operation, count] : run.counts) {
    scaled[operation].requests =
        static_cast<std::uint64_t>(static_cast<double>(count.requests - count.throttled) * scale);
  }
  const double reached = unlimited_rate(options, run.scenario) * ratio(options, run);
  return least_seconds(scaled, reached, kAwsRateLimits);
}

std::string fixed(double value, int decimals) {
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", decimals, value);
  return text;
}

void print_header() {
  std::printf("%9s %5s %5s %-8s %8s %9s %8s %8s %6s %8s %8s %14s %6s %17s\n", "rows", "copy",
              "conc", "status", "wall s", "requests", "req/s", "allowed", "ratio", "RSS MiB",
              "CPU us/r", "throttled", "peak", "1M on AWS s");
}

void print_run(const Options& options, const Run& run) {
  const std::uint64_t requests = total_requests(run);
  const std::uint64_t throttled = total_throttled(run);
  double allowed = unlimited_rate(options, run.scenario);
  for (const auto& [operation, limit] : run.scenario.rate_limits) {
    allowed = std::min(allowed, limit);
  }
  const bool limited = !run.scenario.rate_limits.empty();

  const std::string throttled_text =
      std::to_string(throttled) + " (" +
      fixed(requests ? 100.0 * static_cast<double>(throttled) / requests : 0, 1) + "%)";
  const std::string projected = limited ? "-" : fixed(project_million_seconds(options, run), 0);
  std::printf("%9zu %5s %5d %-8s %8.2f %9llu %8.0f %8.0f %6.2f %8.1f %8.1f %14s %6zu %17s\n",
              run.scenario.rows, run.scenario.copy_images ? "true" : "false",
              run.scenario.concurrency, run.status.c_str(), run.wall_seconds,
              static_cast<unsigned long long>(requests),
              static_cast<double>(requests) / run.wall_seconds, allowed, ratio(options, run),
              run.peak_rss_mib, requests ? 1e6 * run.cpu_seconds / requests : 0,
              throttled_text.c_str(), run.sink_peak_in_flight, projected.c_str());
  std::fflush(stdout);
}

void print_breakdown(const Run& run) {
  std::printf("  %s:", scenario_name(run.scenario).c_str());
  for (const auto& [operation, count] : run.counts) {
    std::printf(" %s %llu", operation.c_str(), static_cast<unsigned long long>(count.requests));
    if (count.throttled) {
      std::printf(" (%llu throttled)", static_cast<unsigned long long>(count.throttled));
    }
  }
  if (!run.reason.empty()) std::printf("\n    reason: %.300s", run.reason.c_str());
  std::printf("\n");
}

std::vector<Scenario> scenarios(const Options& options) {
  std::vector<Scenario> all;
  for (const std::size_t rows :
       options.only_throttled ? std::vector<std::size_t>() : options.rows) {
    for (const int concurrency : options.concurrency) {
      for (const std::string& copy : options.copy_images) {
        all.push_back({rows, copy == "true", concurrency, {}});
      }
    }
  }
  // DynamoDB refusing writes above 1,000/s: a provisioned table, or one hot partition.
  if (options.throttled_run) all.push_back({20'000, true, 64, {{"UpdateItem", 1000}}});
  return all;
}

}  // namespace
}  // namespace bulkqa::bench

int main(int argc, char** argv) {
  using namespace bulkqa::bench;
  Options options;
  CLI::App app{"Launch benchmark: bulkqa-launch against a loopback AWS sink"};
  app.add_option("--rows", options.rows, "corpus sizes (e.g. --rows 10000 100000 1000000)");
  app.add_option("--concurrency", options.concurrency, "the Concurrency property's values");
  app.add_option("--copy-images", options.copy_images, "the CopyImages property's values")
      ->check(CLI::IsMember({"true", "false"}));
  app.add_option("--delay-ms", options.delay_ms, "the sink's delay before each answer")
      ->check(CLI::Range(0, 10'000));
  app.add_flag("!--no-throttled", options.throttled_run,
               "skip the run with UpdateItem limited to 1,000/s");
  app.add_flag("--only-throttled", options.only_throttled, "only the run with UpdateItem limited")
      ->excludes("--no-throttled");
  app.add_option("--launch", options.launch, "the launch executable");
  app.add_option("--log-dir", options.log_dir, "where each run's launch log goes");
  CLI11_PARSE(app, argc, argv);

  std::printf("launch against the sink at %d ms; logs in %s\n", options.delay_ms,
              options.log_dir.c_str());
  print_header();
  std::vector<Run> runs;
  for (const Scenario& scenario : scenarios(options)) {
    auto run = run_launch(options, scenario);
    if (!run) {
      std::cerr << "cannot run " << scenario_name(scenario) << ": " << run.error().describe()
                << "\n";
      return 1;
    }
    print_run(options, *run);
    runs.push_back(std::move(*run));
  }
  std::printf("\nrequests by operation:\n");
  for (const Run& run : runs) print_breakdown(run);
  return 0;
}
