// `bulkqa serve` (also `bulkqa demo`): the review portal. With --stack (or --bucket, --table and
// --portal-table) it serves the review of a deployed stack on AWS until stopped, its state in
// the stack's portal table, so that several portal processes may share it. Without, it runs the
// main job on one machine, without AWS: starts moto and the real function executables, loads a
// corpus with its images (placeholders where the photos are missing), launches as CloudFormation
// would, and serves the same portal on moto: in a browser at the printed invite URLs, or answered
// by simulated reviewers (--auto-review N). It then ends with the votes per label. SIGINT or
// SIGTERM stops every process it started.
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>
#include <vector>

#include "bulkqa/aws/s3.hpp"
#include "bulkqa/functions/worker_template.hpp"
#include "bulkqa/local/local_stack.hpp"
#include "bulkqa/local/stop_signals.hpp"
#include "bulkqa/local/web_assets.hpp"
#include "bulkqa/portal/auto_review.hpp"
#include "bulkqa/portal/portal.hpp"
#include "bulkqa/portal/portal_server.hpp"
#include "bulkqa/report/report_format.hpp"
#include "bulkqa/review/review_simulation.hpp"
#include "commands.hpp"
#include "files.hpp"
#include "portal_target.hpp"

namespace bulkqa::cli {
namespace {

constexpr const char* kImagePrefix = "caltech101/";
constexpr int kSteps = 6;

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
  PortalTarget target;  // a deployed stack; none: the local moto stack
  std::string public_origin;
  std::string tls_certificate;
  std::string tls_key;
  bool behind_proxy = false;
  std::vector<std::string> invites = {"reviewer"};  // the local stack's reviewers
  int task_time_limit = 30;                         // minutes
  int auto_review = 0;                              // simulated reviewers; 0: reviews in a browser
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

// Options that only one of the two modes takes, refused in the other before anything starts.
Status check_mode(const ServeOptions& options) {
  if (options.target.is_set()) {
    if (options.auto_review > 0) {
      return make_error(errc::kInvalidOptions,
                        "--auto-review runs on the local stack only, not with --stack or --bucket");
    }
    return {};
  }
  if (options.invites.empty()) {
    return make_error(errc::kInvalidOptions, "--invite needs at least one reviewer name");
  }
  return {};
}

Result<std::string> template_text(const ServeOptions& options) {
  if (options.template_file.empty()) return std::string(functions::worker_template_html());
  return read_text_file(options.template_file);
}

portal::PortalServerOptions server_options(const ServeOptions& options,
                                           const std::string& template_text) {
  portal::PortalServerOptions server;
  server.bind_address = options.bind_address;
  server.port = options.port;
  server.public_origin = options.public_origin;
  server.tls_certificate = options.tls_certificate;
  server.tls_key = options.tls_key;
  server.behind_proxy = options.behind_proxy;
  server.template_text = template_text;
  server.assets = &local::embedded_web_assets();
  return server;
}

Result<ServeInputs> read_inputs(const ServeOptions& options) {
  if (Status checked = check_mode(options); !checked) return checked.error();
  ServeInputs inputs;
  auto text = template_text(options);
  if (!text) return text.error();
  inputs.template_text = std::move(*text);
  // A bad --bind or TLS pair is refused before the portal reaches AWS or writes its table.
  if (Status checked = portal::check_server_options(server_options(options, inputs.template_text));
      !checked) {
    return checked.error();
  }
  if (options.target.is_set()) {
    inputs.workers_per_task = options.workers_per_task == 0 ? 1 : options.workers_per_task;
    return inputs;
  }
  auto corpus = read_text_file(options.corpus);
  if (!corpus) return corpus.error();
  inputs.corpus_text = std::move(*corpus);
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

// Prints a line per completed task in a browser review; about ten lines in all when simulated.
// Called after every answer: a task completes only with its last one.
std::function<void(const portal::TaskCounts&)> progress_printer(bool every_task) {
  auto printed = std::make_shared<std::size_t>(0);
  return [every_task, printed](const portal::TaskCounts& now) {
    if (now.complete == *printed) return;
    *printed = now.complete;
    const std::size_t step = every_task ? 1 : std::max<std::size_t>(1, now.total / 10);
    if (now.complete % step == 0 || now.complete == now.total) {
      detail(std::to_string(now.complete) + " of " + std::to_string(now.total) +
             " tasks reviewed and counted");
    }
  };
}

// Until every task is complete (as this process's answers report) or a stop is asked for.
class ReviewEnd {
 public:
  void answered(const portal::TaskCounts& counts) {
    std::lock_guard lock(mutex_);
    complete_ = complete_ || counts.complete == counts.total;
    changed_.notify_all();
  }
  void stop() {
    std::lock_guard lock(mutex_);
    stopped_ = true;
    changed_.notify_all();
  }
  // True once complete; false when stopped first.
  bool wait() {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [this] { return complete_ || stopped_; });
    return complete_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  bool complete_ = false;
  bool stopped_ = false;
};

// Where browsers load a deployed stack's images from (the Content-Security-Policy's img-src): the
// S3 origin of each bucket the tasks' images are in, the image source's when launch left them in
// place.
std::vector<std::string> image_origins(const aws::AwsConfig& config, const portal::Portal& portal) {
  std::set<std::string> origins;
  for (const std::string& bucket : portal.image_buckets()) {
    origins.insert(aws::s3_bucket_origin(config, bucket));
  }
  return {origins.begin(), origins.end()};
}

class ServeRun {
 public:
  ServeRun(const ServeOptions& options, ServeInputs inputs, local::StopSignals& signals)
      : options_(options), inputs_(std::move(inputs)), signals_(signals) {}

  int run() { return options_.target.is_set() ? run_deployed() : run_local(); }

 private:
  // The portal of a deployed stack, until stopped: its state is in the portal table, so a stop
  // loses nothing.
  int run_deployed() {
    auto stack = resolve_portal_target(options_.target);
    if (!stack) return fail(stack.error());
    portal::PortalOptions portal_options = deployed_portal_options(*stack, task_time_limit());
    portal_options.workers_per_task = inputs_.workers_per_task;
    portal_options.on_answer = progress_printer(true);
    std::cerr << "opening the review of " << stack->stack_bucket << " (tasks from its manifest, "
              << "state in " << stack->portal_table << ")" << std::endl;
    auto portal = portal::Portal::open(std::move(portal_options));
    if (!portal) return fail(portal.error());
    auto server_config = server_options(options_, inputs_.template_text);
    if (!is_loopback_endpoint(stack->aws.s3)) {
      server_config.image_origins = image_origins(stack->aws, **portal);
    }
    auto server = portal::PortalServer::start(**portal, std::move(server_config));
    if (!server) return fail(server.error());
    std::cerr << "serving " << (*portal)->tasks().size() << " tasks at " << (*server)->url()
              << "; invite reviewers with `bulkqa reviewers add`; Ctrl-C stops" << std::endl;
    ReviewEnd end;
    const auto stop = signals_.on_stop([&end] { end.stop(); });
    end.wait();
    std::cerr << "bulkqa serve: stopped by signal " << signals_.signal() << "; every answer is in "
              << stack->portal_table << std::endl;
    return 0;
  }

  int run_local() {
    progress(1,
             "starting moto (S3, DynamoDB, IAM) and the functions; logs in " + options_.work_dir);
    local::LocalStackOptions stack_options;
    stack_options.bin_dir = own_directory();
    stack_options.log_dir = options_.work_dir;
    auto stack = local::LocalStack::start(stack_options);
    if (!stack) return fail(stack.error());
    const auto stop_stack = signals_.on_stop([&stack] { (*stack)->interrupt(); });
    if (Status launched = upload_and_launch(**stack); !launched) return fail(launched.error());

    progress(4, "opening the review portal: every task through pre-labeling");
    const bool simulated = inputs_.truth.has_value();
    ReviewEnd end;
    auto portal = portal::Portal::open(local_portal_options(**stack, simulated, end));
    if (!portal) return fail(portal.error());
    const auto stop_review = signals_.on_stop([&end] { end.stop(); });
    const Status reviewed =
        simulated ? review_simulated(**portal) : review_in_browser(**portal, end);
    if (!reviewed) return fail(reviewed.error());
    if (Status reported = report(**stack); !reported) return fail(reported.error());
    return 0;
  }

  std::chrono::seconds task_time_limit() const {
    return std::chrono::minutes(options_.task_time_limit);
  }

  // The portal on moto, as the administrator; images through the portal's own /s3/ route.
  portal::PortalOptions local_portal_options(local::LocalStack& stack, bool simulated,
                                             ReviewEnd& end) {
    portal::PortalOptions options;
    options.aws = stack.moto().config(stack.moto().admin());
    options.portal_table = stack.options().portal_table;
    options.image_table = stack.options().table;
    options.stack_bucket = stack.options().stack_bucket;
    options.workers_per_task = inputs_.workers_per_task;
    options.lease_time = task_time_limit();
    options.image_url = [](const S3Uri& uri) { return "/s3/" + uri.bucket + "/" + uri.key; };
    options.on_answer = [&end, print = progress_printer(!simulated)](const auto& counts) {
      print(counts);
      end.answered(counts);
    };
    return options;
  }

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
  Status report(local::LocalStack& stack) {
    progress(6, "the report");
    auto images = stack.reviewed_images();
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

  Status review_simulated(portal::Portal& portal) {
    std::ostringstream error_rate;
    error_rate << options_.error_rate;
    progress(5, std::to_string(options_.auto_review) + " simulated reviewers (error rate " +
                    error_rate.str() + ") answer " + count_of(portal.tasks().size(), "task") +
                    ", " + std::to_string(inputs_.workers_per_task) +
                    " per task; each answer's votes are counted as post-labeling counts them");
    std::vector<SimulatedReviewer> reviewers;
    for (int r = 1; r <= options_.auto_review; ++r) {
      reviewers.push_back({"simulated-reviewer-" + std::to_string(r), options_.error_rate,
                           static_cast<std::uint64_t>(r)});
    }
    return portal::auto_review(portal, *inputs_.truth, reviewers);
  }

  // The invited reviewers review in browsers until every task is complete. The first is an
  // admin (the progress page).
  Status review_in_browser(portal::Portal& portal, ReviewEnd& end) {
    auto server =
        portal::PortalServer::start(portal, server_options(options_, inputs_.template_text));
    if (!server) return server.error();
    progress(5, "review " + count_of(portal.tasks().size(), "task") + " (" +
                    count_of(inputs_.workers_per_task, "reviewer") +
                    " per task) in a browser; Ctrl-C stops");
    for (std::size_t i = 0; i < options_.invites.size(); ++i) {
      auto invite = portal.add_reviewer(options_.invites[i], i == 0);
      if (!invite) return invite.error();
      detail(invite->reviewer + (i == 0 ? " (admin)" : "") + ": open " +
             portal::invite_url((*server)->url(), invite->token));
    }
    if (!end.wait()) return interrupted_error();
    return {};
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
      "The review portal: of a deployed stack with --stack (or --bucket, --table and "
      "--portal-table); else the whole QA flow locally on moto: launch, review in a browser at "
      "the printed invite URLs (or simulated with --auto-review), the votes counted, the report");
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
  add_portal_target_options(*serve, options->target);
  serve->add_option("--public-origin", options->public_origin,
                    "where reviewers reach the portal (https://review.example.com): the only Host "
                    "it answers; required beyond the loopback");
  serve->add_option("--tls-cert", options->tls_certificate, "TLS certificate (PEM)")
      ->check(CLI::ExistingFile);
  serve->add_option("--tls-key", options->tls_key, "TLS private key (PEM)")
      ->check(CLI::ExistingFile);
  serve->add_flag("--behind-proxy", options->behind_proxy,
                  "a TLS-terminating proxy is in front: trust its X-Forwarded-For");
  serve
      ->add_option("--invite", options->invites,
                   "local stack: reviewers to invite (their URLs are printed; the first is admin)")
      ->capture_default_str();
  serve
      ->add_option("--task-time-limit", options->task_time_limit,
                   "minutes a reviewer holds a task before it goes back to the queue")
      ->capture_default_str()
      ->check(CLI::Range(1, 12 * 60));
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
  serve
      ->add_option("--work-dir", options->work_dir,
                   "local stack: where the logs of moto and the functions go")
      ->capture_default_str();
  return [options] { return run_serve(*options); };
}

}  // namespace bulkqa::cli
