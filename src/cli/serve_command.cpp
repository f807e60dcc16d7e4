// `bulkqa serve` (also `bulkqa demo`): the main job on one machine, without AWS. Starts moto and
// the three real function executables, loads a corpus with its images (placeholders where the
// photos are missing), launches as CloudFormation would, reads every task through pre-labeling,
// and has the tasks reviewed, in a browser at the printed URL or by simulated reviewers
// (--auto-review N); each task, once answered, is consolidated through post-labeling. Ends with
// the votes per label. SIGINT or SIGTERM stops every process it started.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "bulkqa/functions/worker_template.hpp"
#include "bulkqa/local/local_stack.hpp"
#include "bulkqa/local/review_server.hpp"
#include "bulkqa/local/review_session.hpp"
#include "bulkqa/local/stop_signals.hpp"
#include "bulkqa/local/web_assets.hpp"
#include "bulkqa/report/report_format.hpp"
#include "bulkqa/review/review_simulation.hpp"
#include "commands.hpp"
#include "files.hpp"

namespace bulkqa::cli {
namespace {

constexpr const char* kImagePrefix = "caltech101/";
constexpr const char* kJobArn =
    "arn:aws:sagemaker:us-east-1:000000000000:labeling-job/bulkqa-serve";
constexpr int kSteps = 6;
constexpr auto kTaskHoldTime = std::chrono::minutes(30);

struct ServeOptions {
  std::string corpus = "samples/shellfish.csv";
  std::string images;
  std::string truth_map = "samples/caltech101_labels.csv";
  std::string true_labels;
  std::string template_file;
  std::string work_dir = "build/serve";
  std::string results_file;
  std::string bind_address = "127.0.0.1";
  int port = 0;
  int auto_review = 0;       // simulated reviewers; 0: reviews in a browser
  int workers_per_task = 0;  // 0: 1 in a browser, every simulated reviewer otherwise
  double error_rate = 0.05;
  double min_confidence = 80;
  std::size_t batch_size = 25;
};

// What the options give once checked and read, before anything starts.
struct ServeInputs {
  std::string corpus_text;
  std::string template_text;
  std::size_t workers_per_task = 1;
  std::optional<TruthSource> truth;  // with --auto-review
};

// "1 task", "3 tasks".
std::string count_of(std::size_t count, const std::string& noun) {
  return std::to_string(count) + " " + noun + (count == 1 ? "" : "s");
}

void progress(int step, const std::string& message) {
  std::cerr << "[" << step << "/" << kSteps << "] " << message << std::endl;
}

void detail(const std::string& message) {
  std::cerr << "      " << message << std::endl;
}

std::filesystem::path own_directory() {
  return std::filesystem::read_symlink("/proc/self/exe").parent_path();
}

Result<TruthSource> load_truth(const ServeOptions& options) {
  auto map_text = read_text_file(options.truth_map);
  if (!map_text) return map_text.error();
  auto truth = TruthSource::from_folder_labels(*map_text);
  if (!truth) return truth.error();
  if (options.true_labels.empty()) return truth;
  auto labels_text = read_text_file(options.true_labels);
  if (!labels_text) return labels_text.error();
  auto true_labels = TruthSource::from_true_labels(*labels_text);
  if (!true_labels) return true_labels.error();
  return truth->overridden_by(*true_labels);
}

Result<ServeInputs> read_inputs(const ServeOptions& options) {
  ServeInputs inputs;
  auto corpus = read_text_file(options.corpus);
  if (!corpus) return corpus.error();
  inputs.corpus_text = std::move(*corpus);
  if (options.template_file.empty()) {
    inputs.template_text = std::string(functions::worker_template_html());
  } else {
    auto text = read_text_file(options.template_file);
    if (!text) return text.error();
    inputs.template_text = std::move(*text);
  }
  if (options.auto_review == 0) {
    inputs.workers_per_task = options.workers_per_task == 0 ? 1 : options.workers_per_task;
    return inputs;
  }
  if (options.workers_per_task > options.auto_review) {
    return make_error(errc::kInvalidOptions,
                      "--workers-per-task " + std::to_string(options.workers_per_task) +
                          " is more than the " + std::to_string(options.auto_review) +
                          " simulated reviewers of --auto-review");
  }
  inputs.workers_per_task =
      options.workers_per_task == 0 ? options.auto_review : options.workers_per_task;
  auto truth = load_truth(options);
  if (!truth) return truth.error();
  inputs.truth = std::move(*truth);
  return inputs;
}

// Prints a line per task in a browser review; about ten lines in all when simulated.
std::function<void(const ReviewProgress&)> progress_printer(bool every_task) {
  return [every_task](const ReviewProgress& now) {
    const std::size_t step = every_task ? 1 : std::max<std::size_t>(1, now.total / 10);
    if (now.complete % step == 0 || now.complete == now.total) {
      detail(std::to_string(now.complete) + " of " + std::to_string(now.total) +
             " tasks reviewed and consolidated");
    }
  };
}

class ServeRun {
 public:
  ServeRun(const ServeOptions& options, ServeInputs inputs, local::StopSignals& signals)
      : options_(options), inputs_(std::move(inputs)), signals_(signals) {}

  int run() {
    progress(1, "starting moto (S3, DynamoDB, IAM) and the three functions; logs in " +
                    options_.work_dir);
    local::LocalStackOptions stack_options;
    stack_options.bin_dir = own_directory();
    stack_options.log_dir = options_.work_dir;
    auto stack = local::LocalStack::start(stack_options);
    if (!stack) return fail(stack.error());
    const auto stop_stack = signals_.on_stop([&stack] { (*stack)->interrupt(); });
    if (Status launched = upload_and_launch(**stack); !launched) return fail(launched.error());

    progress(4, "pre-labeling every task");
    const bool simulated = inputs_.truth.has_value();
    auto session = local::ReviewSession::start(
        **stack,
        {inputs_.workers_per_task, kTaskHoldTime, kJobArn, "bulkqa", progress_printer(!simulated)});
    if (!session) return fail(session.error());
    const auto stop_session = signals_.on_stop([&session] { (*session)->stop(); });
    const Status reviewed = simulated ? review_simulated(**session) : review_in_browser(**session);
    if (!reviewed) return fail(reviewed.error());
    if (Status reported = report(**session); !reported) return fail(reported.error());
    return 0;
  }

 private:
  // Steps 2 and 3: the corpus and its images into the buckets, then launch.
  Status upload_and_launch(local::LocalStack& stack) {
    const std::string corpus_key =
        "corpus/" + std::filesystem::path(options_.corpus).filename().string();
    progress(2, "uploading " + options_.corpus + " and its images");
    auto placeholders = stack.upload_corpus(
        {corpus_key, inputs_.corpus_text, kImagePrefix, options_.images,
         [](std::size_t stored, std::size_t total) {
           detail(std::to_string(stored) + " of " + std::to_string(total) + " images uploaded");
         }});
    if (!placeholders) return placeholders.error();
    if (*placeholders > 0) detail(std::to_string(*placeholders) + " of them placeholders");
    if (signals_.stop_requested()) return interrupted_error();

    std::ostringstream min_confidence;
    min_confidence << options_.min_confidence;
    progress(3, "launch (CloudFormation Create), min confidence " + min_confidence.str());
    auto launched =
        stack.launch({corpus_key, kImagePrefix, options_.batch_size, options_.min_confidence});
    if (!launched) return launched.error();
    detail(launched->value("ItemCount", "?") + " images in " + launched->value("BatchCount", "?") +
           " batches; manifest " + launched->value("ManifestUri", "?"));
    if (signals_.stop_requested()) return interrupted_error();
    return {};
  }

  // Step 6: the votes per label on stdout, and every image's in --results.
  Status report(local::ReviewSession& session) {
    progress(6, "the report");
    auto images = session.reviewed_images();
    if (!images) return images.error();
    std::cout << markdown_report(*images);
    if (options_.results_file.empty()) return {};
    if (auto written = write_output_files({{options_.results_file, reviewed_images_csv(*images)}});
        !written) {
      return written.error();
    }
    detail("every image's votes are in " + options_.results_file);
    return {};
  }

  Status review_simulated(local::ReviewSession& session) {
    std::ostringstream error_rate;
    error_rate << options_.error_rate;
    progress(5, std::to_string(options_.auto_review) + " simulated reviewers (error rate " +
                    error_rate.str() + ") answer " + count_of(session.progress().total, "task") +
                    ", " + std::to_string(inputs_.workers_per_task) +
                    " per task; post-labeling consolidates each");
    std::vector<SimulatedReviewer> reviewers;
    for (int r = 1; r <= options_.auto_review; ++r) {
      reviewers.push_back({"simulated-reviewer-" + std::to_string(r), options_.error_rate,
                           static_cast<std::uint64_t>(r)});
    }
    return local::auto_review(session, *inputs_.truth, reviewers);
  }

  Status review_in_browser(local::ReviewSession& session) {
    auto server =
        local::ReviewServer::start(session, {options_.bind_address, options_.port,
                                             inputs_.template_text, &local::embedded_web_assets()});
    if (!server) return server.error();
    progress(5, "review " + count_of(session.progress().total, "task") + " (" +
                    count_of(inputs_.workers_per_task, "worker") +
                    " per task) in a browser; Ctrl-C stops");
    detail("open " + (*server)->url());
    return session.wait();
  }

  int fail(const Error& error) {
    if (signals_.stop_requested()) return interrupted();
    std::cerr << "bulkqa serve: " << error.describe() << std::endl;
    return 1;
  }

  static Error interrupted_error() { return make_error(errc::kInterrupted, "stopped by a signal"); }

  int interrupted() {
    std::cerr << "bulkqa serve: stopped by signal " << signals_.signal()
              << "; moto and the functions are stopped, nothing was kept" << std::endl;
    return 128 + signals_.signal();
  }

  const ServeOptions& options_;
  ServeInputs inputs_;
  local::StopSignals& signals_;
};

int run_serve(const ServeOptions& options) {
  // First, before any thread starts: SIGINT and SIGTERM become a stop request.
  local::StopSignals signals;
  auto inputs = read_inputs(options);
  if (!inputs) {
    std::cerr << "bulkqa serve: " << inputs.error().describe() << std::endl;
    return 1;
  }
  return ServeRun(options, std::move(*inputs), signals).run();
}

}  // namespace

Command add_serve_command(CLI::App& app) {
  auto options = std::make_shared<ServeOptions>();
  auto* serve = app.add_subcommand(
      "serve",
      "Run the whole QA flow locally: moto, launch, pre-labeling, review in a browser (or "
      "simulated with --auto-review), post-labeling, and the report");
  serve->alias("demo");
  serve
      ->add_option("--corpus", options->corpus,
                   "labeled corpus CSV (image_local_path,label,confidence)")
      ->capture_default_str();
  serve->add_option("--images", options->images,
                    "a Caltech 101 folder with the real photos (placeholders otherwise)");
  serve->add_option("--batch-size", options->batch_size, "images per task")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));
  serve
      ->add_option("--min-confidence", options->min_confidence,
                   "images below this confidence are left out")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 100.0));
  serve->add_option("--port", options->port, "port of the review page (0: a free one)")
      ->capture_default_str()
      ->check(CLI::Range(0, 65535));
  serve->add_option("--bind", options->bind_address, "address the review page listens on")
      ->capture_default_str();
  serve->add_option("--template", options->template_file,
                    "worker template to serve instead of the built-in "
                    "templates/bulkqa.liquid.html");
  serve
      ->add_option("--workers-per-task", options->workers_per_task,
                   "answers each task needs (default: 1, or every simulated reviewer)")
      ->check(CLI::Range(1, 50));
  serve
      ->add_option("--auto-review", options->auto_review,
                   "no browser: N simulated reviewers answer every task")
      ->check(CLI::Range(1, 50));
  serve
      ->add_option("--truth-map", options->truth_map,
                   "simulated reviewers' truth: CSV folder,label, the correct label of each "
                   "Caltech 101 folder")
      ->capture_default_str();
  serve->add_option("--true-labels", options->true_labels,
                    "simulated reviewers' truth: CSV image_local_path,true_label (wins over "
                    "--truth-map)");
  serve
      ->add_option("--error-rate", options->error_rate,
                   "chance a simulated reviewer answers an image wrongly")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  serve->add_option("--results", options->results_file,
                    "also write every image's votes to this CSV file at the end");
  serve->add_option("--work-dir", options->work_dir, "where the logs of moto and the functions go")
      ->capture_default_str();
  return [options] { return run_serve(*options); };
}

}  // namespace bulkqa::cli
