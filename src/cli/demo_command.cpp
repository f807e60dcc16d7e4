// `bulkqa demo`: the main job on one machine, without AWS. Starts moto and the three real function
// executables, loads a sample corpus with its images (placeholders where the photos are missing),
// launches, runs every task through pre-labeling, has simulated reviewers answer, consolidates
// through post-labeling, and prints the votes per label.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>

#include "bulkqa/corpus.hpp"
#include "bulkqa/local/local_stack.hpp"
#include "bulkqa/placeholder_image.hpp"
#include "bulkqa/review_simulation.hpp"
#include "bulkqa/s3_uri.hpp"
#include "commands.hpp"

namespace bulkqa::cli {
namespace {

constexpr const char* kImagePrefix = "caltech101/";
constexpr const char* kJobArn = "arn:aws:sagemaker:us-east-1:000000000000:labeling-job/bulkqa-demo";
constexpr std::size_t kDatasetObjectsPerRequest = 50;

struct DemoOptions {
  std::string corpus = "samples/shellfish.csv";
  std::string truth_map = "samples/caltech101_labels.csv";
  std::string true_labels;
  std::string images;
  std::string work_dir = "build/demo";
  int reviewers = 3;
  double error_rate = 0.05;
  double min_confidence = 80;
  std::size_t batch_size = 25;
};

Result<std::string> read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error("CannotRead", "cannot read " + path.string());
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void progress(int step, const std::string& message) {
  std::cerr << "[" << step << "/6] " << message << std::endl;
}

std::filesystem::path own_directory() {
  return std::filesystem::read_symlink("/proc/self/exe").parent_path();
}

Result<TruthSource> load_truth(const DemoOptions& options) {
  if (!options.true_labels.empty()) {
    auto text = read_file(options.true_labels);
    if (!text) return text.error();
    return TruthSource::from_true_labels(*text);
  }
  auto text = read_file(options.truth_map);
  if (!text) return text.error();
  return TruthSource::from_folder_labels(*text);
}

// Uploads the corpus and one object per image: the photo from --images when it is there, a
// generated placeholder otherwise. Returns how many were placeholders.
Result<std::size_t> upload_inputs(local::LocalStack& stack, const DemoOptions& options,
                                  const std::string& corpus_text, const std::string& corpus_key) {
  auto rows = parse_corpus(corpus_text);
  if (!rows) return rows.error();
  if (auto put = stack.s3().put_object(
          {stack.options().launch_bucket, corpus_key, corpus_text, "text/csv"});
      !put) {
    return put.error();
  }
  std::vector<aws::PutObjectRequest> puts;
  std::set<std::string> seen;
  std::size_t placeholders = 0;
  for (const auto& row : *rows) {
    if (!seen.insert(row.image_local_path).second) continue;
    std::string body;
    std::string content_type = "image/jpeg";
    if (!options.images.empty()) {
      if (auto photo = read_file(std::filesystem::path(options.images) / row.image_local_path))
        body = *photo;
    }
    if (body.empty()) {
      body = placeholder_png(row.image_local_path);
      content_type = "image/png";
      ++placeholders;
    }
    puts.push_back({stack.options().image_bucket, kImagePrefix + row.image_local_path,
                    std::move(body), content_type});
  }
  for (const auto& status : stack.s3().put_objects(std::move(puts))) {
    if (!status) return status.error();
  }
  return placeholders;
}

// Ground Truth's consolidation requests: each task with every simulated reviewer's answer.
std::vector<nlohmann::json> review(const std::vector<local::Task>& tasks, const TruthSource& truth,
                                   const DemoOptions& options) {
  std::vector<nlohmann::json> requests;
  for (std::size_t t = 0; t < tasks.size(); ++t) {
    if (t % kDatasetObjectsPerRequest == 0) requests.push_back(nlohmann::json::array());
    nlohmann::json annotations = nlohmann::json::array();
    for (int r = 1; r <= options.reviewers; ++r) {
      const SimulatedReviewer reviewer{"reviewer-" + std::to_string(r), options.error_rate,
                                       static_cast<std::uint64_t>(r)};
      annotations.push_back(
          {{"workerId", reviewer.worker_id},
           {"annotationData",
            {{"content", simulated_annotation(tasks[t].items, truth, reviewer)}}}});
    }
    requests.back().push_back({{"datasetObjectId", std::to_string(t)},
                               {"dataObject", {{"s3Uri", tasks[t].source_ref}}},
                               {"annotations", std::move(annotations)}});
  }
  return requests;
}

int fail(const Error& error) {
  std::cerr << "bulkqa demo: " << error.describe() << std::endl;
  return 1;
}

int run_demo(const DemoOptions& options) {
  auto corpus_text = read_file(options.corpus);
  if (!corpus_text) return fail(corpus_text.error());
  auto truth = load_truth(options);
  if (!truth) return fail(truth.error());

  progress(
      1, "starting moto (S3, DynamoDB, IAM) and the three functions; logs in " + options.work_dir);
  local::LocalStackOptions stack_options;
  stack_options.bin_dir = own_directory();
  stack_options.log_dir = options.work_dir;
  auto stack = local::LocalStack::start(stack_options);
  if (!stack) return fail(stack.error());

  const std::string corpus_key =
      "corpus/" + std::filesystem::path(options.corpus).filename().string();
  progress(2, "uploading " + options.corpus + " and its images");
  auto placeholders = upload_inputs(**stack, options, *corpus_text, corpus_key);
  if (!placeholders) return fail(placeholders.error());
  if (*placeholders > 0)
    std::cerr << "      " << *placeholders << " placeholder images generated\n";

  std::ostringstream min_confidence;
  min_confidence << options.min_confidence;
  progress(3, "launch (CloudFormation Create), min confidence " + min_confidence.str());
  auto launched =
      (*stack)->launch({corpus_key, kImagePrefix, options.batch_size, options.min_confidence});
  if (!launched) return fail(launched.error());
  std::cerr << "      " << launched->value("ItemCount", "?") << " images in "
            << launched->value("BatchCount", "?") << " batches; manifest "
            << launched->value("ManifestUri", "?") << "\n";

  progress(4, "pre-labeling every task");
  auto tasks = (*stack)->tasks();
  if (!tasks) return fail(tasks.error());

  progress(5, std::to_string(options.reviewers) + " simulated reviewers answer " +
                  std::to_string(tasks->size()) + " tasks; post-labeling consolidates");
  for (const auto& request : review(*tasks, *truth, options)) {
    if (auto consolidated = (*stack)->consolidate(kJobArn, "bulkqa", request); !consolidated) {
      return fail(consolidated.error());
    }
  }

  progress(6, "votes per label in the table");
  auto images = (*stack)->reviewed_images();
  if (!images) return fail(images.error());
  std::cout << vote_counts_markdown(count_votes_by_label(*images));
  return 0;
}

}  // namespace

Command add_demo_command(CLI::App& app) {
  auto options = std::make_shared<DemoOptions>();
  auto* demo = app.add_subcommand("demo",
                                  "Run the whole QA flow locally: moto, launch, pre-labeling, "
                                  "simulated reviews, post-labeling");
  demo->add_option("--corpus", options->corpus,
                   "labeled corpus CSV (image_local_path,label,confidence)")
      ->capture_default_str();
  demo->add_option("--truth-map", options->truth_map,
                   "CSV folder,label: the correct label of each Caltech 101 folder")
      ->capture_default_str();
  demo->add_option("--true-labels", options->true_labels,
                   "CSV image_local_path,true_label (overrides --truth-map)");
  demo->add_option("--images", options->images,
                   "a Caltech 101 folder with the real photos (placeholders otherwise)");
  demo->add_option("--reviewers", options->reviewers, "simulated reviewers per task")
      ->capture_default_str()
      ->check(CLI::Range(1, 50));
  demo->add_option("--error-rate", options->error_rate,
                   "chance a simulated reviewer answers wrongly")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  demo->add_option("--min-confidence", options->min_confidence,
                   "images below this confidence are left out")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 100.0));
  demo->add_option("--batch-size", options->batch_size, "images per task")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));
  demo->add_option("--work-dir", options->work_dir, "where the logs of moto and the functions go")
      ->capture_default_str();
  return [options] { return run_demo(*options); };
}

}  // namespace bulkqa::cli
