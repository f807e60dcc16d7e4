#include "bulkqa/local/local_stack.hpp"

#include <fstream>
#include <set>
#include <sstream>

#include "bulkqa/functions/image_table.hpp"
#include "bulkqa/qa/corpus.hpp"
#include "bulkqa/qa/s3_uri.hpp"
#include "bulkqa/qa/stack_layout.hpp"
#include "bulkqa/review/media_type.hpp"
#include "bulkqa/review/placeholder_image.hpp"

namespace bulkqa::local {
namespace {

constexpr auto kInvocationTimeout = std::chrono::minutes(15);
constexpr std::size_t kImagesPerUpload = 100;

Error stack_error(std::string message) {
  return make_error(errc::kLocalStackFailed, std::move(message));
}

// The photo at `path`, or nothing when there is none to read.
std::string read_photo(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

// Each image path once, in corpus order.
std::vector<std::string> image_paths(const std::vector<CorpusRow>& rows) {
  std::vector<std::string> paths;
  std::set<std::string> seen;
  for (const CorpusRow& row : rows) {
    if (seen.insert(row.image_local_path).second) paths.push_back(row.image_local_path);
  }
  return paths;
}

}  // namespace

Result<std::unique_ptr<LocalStack>> LocalStack::start(const LocalStackOptions& options) {
  std::error_code ignored;
  std::filesystem::create_directories(options.log_dir, ignored);
  MotoOptions moto_options;
  moto_options.log_file = options.log_dir / "moto.log";
  auto moto = LocalMoto::start(moto_options);
  if (!moto) return moto.error();
  for (const auto& bucket : {options.stack_bucket, options.launch_bucket, options.image_bucket}) {
    if (auto created = (*moto)->create_bucket(bucket); !created) return created.error();
  }
  if (auto created = (*moto)->create_image_table(options.table); !created) return created.error();
  if (auto created = (*moto)->create_portal_table(options.portal_table); !created) {
    return created.error();
  }

  std::unique_ptr<LocalStack> stack(new LocalStack(options, std::move(*moto)));
  auto responses = ResponseUrlServer::start();
  if (!responses) return responses.error();
  stack->responses_ = std::move(*responses);
  if (auto started = stack->start_functions(); !started) return started.error();
  return stack;
}

LocalStack::LocalStack(const LocalStackOptions& options, std::unique_ptr<LocalMoto> moto)
    : options_(options),
      moto_(std::move(moto)),
      s3_(moto_->config(moto_->admin()), http_),
      dynamodb_(moto_->config(moto_->admin()), http_) {}

Status LocalStack::start_functions() {
  auto environment = moto_->environment(moto_->admin());
  environment["BULKQA_TABLE"] = options_.table;
  environment["BULKQA_BUCKET"] = options_.stack_bucket;
  struct Slot {
    const char* executable;
    std::unique_ptr<LocalFunction>* function;
  };
  for (const Slot slot :
       {Slot{"bulkqa-launch", &launch_}, Slot{"bulkqa-pre-labeling", &pre_labeling_},
        Slot{"bulkqa-post-labeling", &post_labeling_}}) {
    auto function_environment = environment;
    if (const auto policy = options_.function_policies.find(slot.executable);
        policy != options_.function_policies.end()) {
      auto credentials = moto_->create_user(std::string(slot.executable) + "-role", policy->second);
      if (!credentials) return credentials.error();
      for (auto& [name, value] : moto_->environment(*credentials))
        function_environment[name] = value;
    }
    auto function =
        LocalFunction::start(options_.bin_dir / slot.executable, function_environment,
                             options_.log_dir / (std::string(slot.executable) + ".log"));
    if (!function) return function.error();
    *slot.function = std::move(*function);
  }
  return {};
}

Result<nlohmann::json> LocalStack::invoke(LocalFunction& function, const nlohmann::json& event) {
  const auto result = function.invoke(event.dump(), kInvocationTimeout);
  if (result.timed_out) return stack_error("the function did not answer in time");
  if (!result.ok) return make_error(result.error_type, result.error_message);
  auto answer = nlohmann::json::parse(result.payload, nullptr, false);
  if (answer.is_discarded()) return stack_error("the function answered with text that is not JSON");
  return answer;
}

Result<std::size_t> LocalStack::upload_corpus(const CorpusUpload& upload) {
  auto rows = parse_corpus(upload.corpus_text);
  if (!rows) return rows.error();
  if (auto put = s3_.put_object(
          {options_.launch_bucket, upload.corpus_key, upload.corpus_text, "text/csv"});
      !put) {
    return put.error();
  }
  const std::vector<std::string> paths = image_paths(*rows);
  std::size_t placeholders = 0;
  for (std::size_t first = 0; first < paths.size(); first += kImagesPerUpload) {
    const std::size_t end = std::min(paths.size(), first + kImagesPerUpload);
    std::vector<aws::PutObjectRequest> puts;
    for (std::size_t at = first; at < end; ++at) {
      std::string body =
          upload.photos_dir.empty() ? std::string() : read_photo(upload.photos_dir / paths[at]);
      if (body.empty()) {
        body = placeholder_png(paths[at]);
        ++placeholders;
      }
      std::string media_type(image_media_type(body));
      puts.push_back({options_.image_bucket, upload.image_prefix + paths[at], std::move(body),
                      std::move(media_type)});
    }
    for (const auto& status : s3_.put_objects(std::move(puts))) {
      if (!status) return status.error();
    }
    if (upload.on_progress) upload.on_progress(end, paths.size());
  }
  return placeholders;
}

nlohmann::json LocalStack::launch_event(const std::string& request_type,
                                        const std::string& request_id,
                                        const LaunchSettings& settings) const {
  nlohmann::json event = {
      {"RequestType", request_type},
      {"ResponseURL", responses_->url(request_id)},
      {"StackId", "arn:aws:cloudformation:us-east-1:000000000000:stack/bulkqa-local/1"},
      {"RequestId", request_id},
      {"LogicalResourceId", "Launch"},
      {"ResourceType", "Custom::BulkQaLaunch"},
      {"ResourceProperties",
       {{"S3Bucket", options_.stack_bucket},
        {"DynamoDBTable", options_.table},
        {"LaunchBucket", options_.launch_bucket},
        {"LabelCorpusKey", settings.corpus_key},
        {"QABatchSize", std::to_string(settings.batch_size)},
        {"MinConfidence", std::to_string(settings.min_confidence)},
        {"ImageSourceBucket", options_.image_bucket},
        {"ImageSourcePrefix", settings.image_prefix},
        {"CopyImages", settings.copy_images ? "true" : "false"},
        {"Concurrency", std::to_string(settings.concurrency)}}}};
  if (request_type != "Create")
    event["PhysicalResourceId"] = "bulkqa-launch-" + options_.stack_bucket;
  return event;
}

Result<nlohmann::json> LocalStack::run_launch(const nlohmann::json& event) {
  const std::string request_id = event["RequestId"];
  if (auto invoked = invoke(*launch_, event); !invoked) return invoked.error();
  const auto response = responses_->response(request_id);
  if (!response.is_object()) return stack_error("launch sent no response to CloudFormation");
  if (response.value("Status", "") != "SUCCESS") {
    return make_error(errc::kLaunchFailed, response.value("Reason", "no reason given"));
  }
  return response["Data"];
}

Result<nlohmann::json> LocalStack::launch(const LaunchSettings& settings) {
  return run_launch(launch_event("Create", "local-create", settings));
}

Status LocalStack::delete_launch(const LaunchSettings& settings) {
  auto deleted = run_launch(launch_event("Delete", "local-delete", settings));
  if (!deleted) return deleted.error();
  return {};
}

Result<std::vector<Task>> LocalStack::tasks() {
  auto manifest = s3_.get_object(options_.stack_bucket, kManifestKey);
  if (!manifest) return manifest.error();
  std::vector<Task> tasks;
  std::istringstream lines(*manifest);
  for (std::string line; std::getline(lines, line);) {
    const auto entry = nlohmann::json::parse(line, nullptr, false);
    if (!entry.is_object() || !entry.contains("source-ref")) {
      return stack_error("manifest line " + std::to_string(tasks.size() + 1) +
                         " has no source-ref");
    }
    const nlohmann::json event = {
        {"version", "2018-10-06"},
        {"labelingJobArn", "arn:aws:sagemaker:us-east-1:000000000000:labeling-job/bulkqa-local"},
        {"dataObject", entry}};
    auto answer = invoke(*pre_labeling_, event);
    if (!answer) return answer.error();
    auto items = parse_batch((*answer)["taskInput"]["sourceRef"].dump());
    if (!items) return items.error();
    tasks.push_back({entry["source-ref"].get<std::string>(), std::move(*items)});
  }
  return tasks;
}

Result<nlohmann::json> LocalStack::consolidate(const std::string& labeling_job_arn,
                                               const std::string& label_attribute_name,
                                               const nlohmann::json& payload) {
  // Where Ground Truth keeps consolidation requests: under the job's output (the stack's
  // OutputPath, then the job's name), one per iteration.
  const S3Uri request{options_.stack_bucket,
                      std::string(kGroundTruthOutputPrefix) +
                          "bulkqa-local/annotations/consolidation-request/iteration-" +
                          std::to_string(++consolidation_requests_) + ".json"};
  if (auto stored =
          s3_.put_object({request.bucket, request.key, payload.dump(), "application/json"});
      !stored) {
    return stored.error();
  }
  return invoke(*post_labeling_, {{"version", "2018-10-06"},
                                  {"labelingJobArn", labeling_job_arn},
                                  {"labelCategories", nlohmann::json::array()},
                                  {"labelAttributeName", label_attribute_name},
                                  {"roleArn", "arn:aws:iam::000000000000:role/bulkqa-local"},
                                  {"payload", {{"s3Uri", request.str()}}}});
}

Result<std::vector<ReviewedImage>> LocalStack::reviewed_images() {
  auto items = dynamodb_.scan_all(options_.table);
  if (!items) return items.error();
  return functions::reviewed_images(*items);
}

void LocalStack::interrupt() {
  for (LocalFunction* function : {launch_.get(), pre_labeling_.get(), post_labeling_.get()}) {
    function->interrupt();
  }
  moto_->interrupt();
}

}  // namespace bulkqa::local
