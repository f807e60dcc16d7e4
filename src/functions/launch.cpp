#include "bulkqa/functions/launch.hpp"

#include <algorithm>
#include <set>
#include <unordered_set>

#include "bulkqa/aws/retry.hpp"
#include "bulkqa/functions/image_table.hpp"
#include "bulkqa/functions/worker_template.hpp"
#include "bulkqa/qa/batching.hpp"
#include "bulkqa/qa/corpus.hpp"
#include "bulkqa/qa/s3_uri.hpp"
#include "bulkqa/util/log.hpp"

namespace bulkqa::functions {
namespace {

using Clock = std::chrono::steady_clock;

// Time kept back from the work for answering CloudFormation: a tenth of what is left, between
// 2 and 30 seconds.
Clock::duration response_margin(std::chrono::milliseconds remaining) {
  return std::clamp<std::chrono::milliseconds>(remaining / 10, std::chrono::seconds(2),
                                               std::chrono::seconds(30));
}

// The first failures of a bulk step (Status or Result outcomes), for a Reason that stays readable.
template <typename Outcome>
Status first_failures(const std::vector<Outcome>& outcomes, const std::string& step) {
  std::size_t failed = 0;
  std::string examples;
  for (const auto& outcome : outcomes) {
    if (outcome) continue;
    if (++failed <= 3) examples += (examples.empty() ? "" : "; ") + outcome.error().describe();
  }
  if (failed == 0) return {};
  Error error = make_error("LaunchFailed", step + ": " + std::to_string(failed) + " of " +
                                               std::to_string(outcomes.size()) +
                                               " requests failed, e.g. " + examples);
  return error;
}

std::vector<BatchItem> batch_items(const std::vector<CorpusRow>& rows, const std::string& bucket) {
  std::vector<BatchItem> items;
  items.reserve(rows.size());
  for (const auto& row : rows) {
    items.push_back({S3Uri{bucket, row.image_local_path}.str(), row.label, row.confidence});
  }
  return items;
}

// One copy per distinct image: the same file may carry several labels.
std::vector<aws::CopyObjectRequest> image_copies(const std::vector<CorpusRow>& rows,
                                                 const LaunchProperties& properties) {
  std::vector<aws::CopyObjectRequest> copies;
  std::unordered_set<std::string> seen;
  for (const auto& row : rows) {
    if (!seen.insert(row.image_local_path).second) continue;
    copies.push_back({properties.image_source_bucket,
                      properties.image_source_prefix + row.image_local_path, properties.s3_bucket,
                      row.image_local_path});
  }
  return copies;
}

// The ResponseURL comes with the event, so nothing is done for a request until its answer is known
// to go somewhere safe (aws::check_untrusted_url). When it cannot, not even FAILED can be sent,
// and the error says so. A missing URL is left to the request's parser to name.
Status check_response_url(const nlohmann::json& event) {
  const auto url = event.find("ResponseURL");
  if (url == event.end() || !url->is_string()) return {};
  Status usable = aws::check_untrusted_url(url->get<std::string>());
  if (usable) return usable;
  Error error = usable.error();
  error.message = "ResponseURL " + error.message +
                  "; the request is not carried out, and CloudFormation gets no answer";
  return error;
}

// What can be read of an invalid request to answer it: the URL and whatever ids are there.
std::optional<CustomResourceRequest> reply_target(const nlohmann::json& event) {
  auto text = [&](const char* field) {
    const auto value = event.find(field);
    return value != event.end() && value->is_string() ? value->get<std::string>() : "";
  };
  CustomResourceRequest target;
  target.response_url = text("ResponseURL");
  if (target.response_url.empty()) return std::nullopt;
  target.stack_id = text("StackId");
  target.request_id = text("RequestId");
  target.logical_resource_id = text("LogicalResourceId");
  target.physical_resource_id = text("PhysicalResourceId");
  if (target.physical_resource_id.empty())
    target.physical_resource_id = "bulkqa-launch-invalid-request";
  return target;
}

}  // namespace

Launch::Launch(FunctionConfig config) : config_(std::move(config)), clients_(config_.aws) {}

Result<nlohmann::json> Launch::create_or_update(const LaunchProperties& properties) {
  // Everything is read and checked before the first write, so bad input leaves nothing behind.
  auto corpus_text = clients_.s3.get_object(properties.launch_bucket, properties.label_corpus_key);
  if (!corpus_text) return corpus_text.error();
  auto corpus = parse_corpus(*corpus_text);
  if (!corpus) {
    Error error = corpus.error();
    error.message =
        S3Uri{properties.launch_bucket, properties.label_corpus_key}.str() + ": " + error.message;
    return error;
  }
  const auto rows = filter_min_confidence(std::move(*corpus), properties.min_confidence);
  const auto items = batch_items(rows, properties.s3_bucket);
  const auto batches = make_batches(items, properties.qa_batch_size);
  log::info("corpus read", {{"rows", rows.size()}, {"batches", batches.size()}});

  if (auto copied = first_failures(clients_.s3.copy_objects(image_copies(rows, properties)),
                                   "copying images");
      !copied) {
    return copied.error();
  }

  std::vector<aws::PutObjectRequest> batch_puts;
  std::vector<std::string> batch_uris;
  std::set<std::string> batch_keys;
  for (const auto& batch : batches) {
    const std::string key = batch_object_key(batch);
    batch_uris.push_back(S3Uri{properties.s3_bucket, key}.str());
    batch_keys.insert(key);
    batch_puts.push_back(
        {properties.s3_bucket, key, batch_to_json(batch.items).dump(), "application/json"});
  }
  if (auto written =
          first_failures(clients_.s3.put_objects(std::move(batch_puts)), "writing batches");
      !written) {
    return written.error();
  }

  // One upsert per image rather than 25 per BatchWriteItem: a relaunch must keep the votes
  // already counted, and BatchWriteItem can only overwrite whole items.
  std::vector<nlohmann::json> upserts;
  upserts.reserve(items.size());
  for (const auto& item : items) {
    upserts.push_back(image_upsert_request(properties.dynamodb_table, item));
  }
  if (auto stored = first_failures(clients_.dynamodb.call_all("UpdateItem", upserts),
                                   "writing the image table");
      !stored) {
    return stored.error();
  }

  // An Update with a new corpus leaves batches of the old one behind; they must not linger next
  // to the new manifest. The prefix has no '/', which some S3 emulators mis-sign in queries.
  auto listed = clients_.s3.list_all_keys(properties.s3_bucket, "batches");
  if (!listed) return listed.error();
  std::vector<std::string> stale;
  for (auto& key : *listed) {
    if (key.starts_with(kBatchPrefix) && !batch_keys.contains(key)) stale.push_back(std::move(key));
  }
  if (!stale.empty()) {
    auto deleted = clients_.s3.delete_objects(properties.s3_bucket, stale);
    if (!deleted) return deleted.error();
  }

  const S3Uri worker_template{properties.s3_bucket, kWorkerTemplateKey};
  if (auto uploaded = clients_.s3.put_object({worker_template.bucket, worker_template.key,
                                              std::string(worker_template_html()), "text/html"});
      !uploaded) {
    return uploaded.error();
  }

  // The manifest goes last: it names only batches that exist, and its presence marks a finished
  // launch.
  if (auto manifest = clients_.s3.put_object(
          {properties.s3_bucket, kManifestKey, manifest_jsonl(batch_uris), "application/x-ndjson"});
      !manifest) {
    return manifest.error();
  }
  return nlohmann::json{{"ManifestUri", S3Uri{properties.s3_bucket, kManifestKey}.str()},
                        {"BatchCount", std::to_string(batches.size())},
                        {"ItemCount", std::to_string(items.size())},
                        {"WorkerTemplateUri", worker_template.str()}};
}

Status Launch::empty_bucket(const std::string& bucket) {
  auto keys = clients_.s3.list_all_keys(bucket, "");
  if (!keys) {
    // A bucket that is already gone is as empty as it gets.
    if (keys.error().code == "NoSuchBucket") return {};
    return keys.error();
  }
  auto failures = clients_.s3.delete_objects(bucket, *keys);
  if (!failures) return failures.error();
  if (!failures->empty()) {
    const auto& first = failures->front();
    return make_error("DeleteFailed", std::to_string(failures->size()) + " objects of s3://" +
                                          bucket + " could not be deleted, e.g. '" + first.key +
                                          "': " + first.error.describe());
  }
  log::info("bucket emptied", {{"bucket", bucket}, {"objects", keys->size()}});
  return {};
}

CustomResourceResponse Launch::run(const CustomResourceRequest& request,
                                   Clock::time_point deadline) {
  clients_.set_deadline(deadline);
  CustomResourceResponse response;
  response.success = false;
  // Update and Delete must keep the id: a new id makes CloudFormation delete the old resource,
  // which would empty the bucket behind the new launch.
  response.physical_resource_id = request.physical_resource_id;

  auto properties = parse_launch_properties(request.resource_properties);
  if (response.physical_resource_id.empty()) {
    response.physical_resource_id = properties ? "bulkqa-launch-" + properties->s3_bucket
                                               : "bulkqa-launch-" + request.request_id;
  }
  if (!properties) {
    // A Delete must not get stuck on properties that never launched anything.
    response.success = request.request_type == "Delete";
    response.reason = properties.error().describe();
    return response;
  }

  if (request.request_type == "Delete") {
    auto emptied = empty_bucket(properties->s3_bucket);
    response.success = emptied.ok();
    if (!emptied) response.reason = emptied.error().describe();
    return response;
  }
  auto data = create_or_update(*properties);
  response.success = data.ok();
  if (data) {
    response.data = std::move(*data);
  } else {
    response.reason = data.error().describe();
  }
  return response;
}

Status Launch::send_response(const CustomResourceRequest& request,
                             const CustomResourceResponse& response, Clock::time_point deadline) {
  const std::string body = custom_resource_response_body(request, response);
  auto retry = std::make_shared<aws::RetryPolicy>();
  aws::HttpTask task;
  task.make_request = [&] {
    // The pre-signed URL was signed without a Content-Type, so none may be sent.
    return aws::HttpRequest{"PUT", request.response_url, {{"Content-Type", ""}}, body};
  };
  task.retry_delay = [retry](const aws::HttpOutcome& outcome,
                             int attempts) -> std::optional<std::chrono::milliseconds> {
    if (!outcome) return retry->next_delay(outcome.error(), attempts);
    if (outcome->status >= 500 || outcome->status == 429) {
      Error error = make_error("HttpError", "HTTP " + std::to_string(outcome->status));
      error.retryable = true;
      return retry->next_delay(error, attempts);
    }
    return std::nullopt;
  };
  std::vector<aws::HttpTask> tasks;
  tasks.push_back(std::move(task));
  auto outcome = std::move(clients_.http.run(std::move(tasks), deadline).front());
  if (!outcome) return outcome.error();
  if (outcome->status < 200 || outcome->status >= 300) {
    return make_error("ResponseRejected", "CloudFormation's ResponseURL answered HTTP " +
                                              std::to_string(outcome->status));
  }
  return {};
}

lambda::InvocationResponse Launch::handle(const lambda::InvocationRequest& invocation) {
  const auto remaining = invocation.remaining_time();
  const auto answer_by = Clock::now() + remaining - std::chrono::milliseconds(500);
  const auto work_until = Clock::now() + remaining - response_margin(remaining);

  auto event = parse_event(invocation);
  if (!event) return to_invocation_response(event.error());
  if (Status answerable = check_response_url(*event); !answerable) {
    return to_invocation_response(answerable.error());
  }
  auto request = parse_custom_resource_request(*event);
  if (!request) {
    // A request CloudFormation cannot be answered properly still gets a FAILED, if it says where.
    if (auto target = reply_target(*event)) {
      const CustomResourceResponse failed{false, request.error().describe(),
                                          target->physical_resource_id, nlohmann::json::object()};
      (void)send_response(*target, failed, answer_by);
    }
    return to_invocation_response(request.error());
  }

  log::info("custom resource request", {{"request_type", request->request_type},
                                        {"logical_resource_id", request->logical_resource_id}});
  CustomResourceResponse response;
  try {
    response = run(*request, work_until);
  } catch (const std::exception& exception) {
    response = {false, std::string("unexpected failure: ") + exception.what(),
                request->physical_resource_id.empty() ? "bulkqa-launch-" + request->request_id
                                                      : request->physical_resource_id,
                nlohmann::json::object()};
  }
  if (!response.success) log::error("launch failed", {{"reason", response.reason}});

  auto sent = send_response(*request, response, answer_by);
  if (!sent) return to_invocation_response(sent.error());
  return to_invocation_response(
      nlohmann::json{{"Status", response.success ? "SUCCESS" : "FAILED"},
                     {"Reason", response.reason},
                     {"PhysicalResourceId", response.physical_resource_id},
                     {"Data", response.data}});
}

}  // namespace bulkqa::functions
