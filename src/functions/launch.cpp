#include "bulkqa/functions/launch.hpp"

#include <algorithm>
#include <set>
#include <unordered_set>

#include "bulkqa/aws/retry.hpp"
#include "bulkqa/aws/service_client.hpp"
#include "bulkqa/functions/image_table.hpp"
#include "bulkqa/functions/worker_template.hpp"
#include "bulkqa/qa/batching.hpp"
#include "bulkqa/qa/corpus.hpp"
#include "bulkqa/qa/s3_uri.hpp"
#include "bulkqa/qa/source_images.hpp"
#include "bulkqa/util/json_fields.hpp"
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
  Error error = make_error(errc::kLaunchFailed, step + ": " + std::to_string(failed) + " of " +
                                                    std::to_string(outcomes.size()) +
                                                    " requests failed, e.g. " + examples);
  return error;
}

// The rows to review: the corpus read from the launch bucket, checked whole, without the rows
// below the minimum confidence.
Result<std::vector<CorpusRow>> read_corpus(aws::S3Client& s3, const LaunchProperties& properties) {
  const S3Uri corpus_uri{properties.launch_bucket, properties.label_corpus_key};
  auto text = s3.get_object(corpus_uri.bucket, corpus_uri.key);
  if (!text) return text.error();
  auto corpus = parse_corpus(*text);
  if (!corpus) return with_context(corpus_uri.str(), corpus.error());
  std::vector<CorpusRow> rows =
      filter_min_confidence(std::move(*corpus), properties.min_confidence);
  // Every key launch will write must fit S3 and DynamoDB and miss the stack's own objects.
  if (Status keys = check_launch_keys(rows, properties.s3_bucket, properties.image_source_prefix);
      !keys) {
    return with_context(corpus_uri.str(), keys.error());
  }
  return rows;
}

std::vector<BatchItem> batch_items(const std::vector<CorpusRow>& rows, const std::string& bucket) {
  std::vector<BatchItem> items;
  items.reserve(rows.size());
  for (const auto& row : rows) {
    items.push_back({S3Uri{bucket, row.image_local_path}.str(), row.label, row.confidence});
  }
  return items;
}

std::vector<std::string> batch_keys(const std::vector<Batch>& batches) {
  std::vector<std::string> keys;
  keys.reserve(batches.size());
  for (const auto& batch : batches) keys.push_back(batch_object_key(batch));
  return keys;
}

// One copy per distinct image: the same file may carry several labels.
Status copy_images(aws::S3Client& s3, const std::vector<CorpusRow>& rows,
                   const LaunchProperties& properties) {
  std::vector<aws::CopyObjectRequest> copies;
  std::unordered_set<std::string> seen;
  for (const auto& row : rows) {
    if (!seen.insert(row.image_local_path).second) continue;
    copies.push_back({properties.image_source_bucket,
                      properties.image_source_prefix + row.image_local_path, properties.s3_bucket,
                      row.image_local_path});
  }
  return first_failures(s3.copy_objects(std::move(copies)), "copying images");
}

Status write_batches(aws::S3Client& s3, const std::string& bucket,
                     const std::vector<Batch>& batches) {
  std::vector<aws::PutObjectRequest> puts;
  puts.reserve(batches.size());
  for (const auto& batch : batches) {
    puts.push_back(
        {bucket, batch_object_key(batch), batch_to_json(batch.items).dump(), "application/json"});
  }
  return first_failures(s3.put_objects(std::move(puts)), "writing batches");
}

// One upsert per image rather than 25 per BatchWriteItem: a relaunch must keep the votes already
// counted, and BatchWriteItem can only overwrite whole items.
Status write_items(aws::DynamoDbClient& dynamodb, const std::string& table,
                   const std::vector<BatchItem>& items) {
  std::vector<nlohmann::json> upserts;
  upserts.reserve(items.size());
  for (const auto& item : items) upserts.push_back(image_upsert_request(table, item));
  return first_failures(dynamodb.call_all("UpdateItem", upserts), "writing the image table");
}

// An Update with a new corpus leaves batches of the old one behind; they must not linger next to
// the new manifest. The prefix has no '/', which some S3 emulators mis-sign in queries.
Status remove_stale_batches(aws::S3Client& s3, const std::string& bucket,
                            const std::vector<std::string>& batch_keys) {
  auto listed = s3.list_all_keys(bucket, "batches");
  if (!listed) return listed.error();
  const std::set<std::string> current(batch_keys.begin(), batch_keys.end());
  std::vector<std::string> stale;
  for (auto& key : *listed) {
    if (key.starts_with(kBatchPrefix) && !current.contains(key)) stale.push_back(std::move(key));
  }
  if (stale.empty()) return {};
  auto deleted = s3.delete_objects(bucket, stale);
  if (!deleted) return deleted.error();
  return {};
}

Status upload_worker_template(aws::S3Client& s3, const S3Uri& uri) {
  return s3.put_object({uri.bucket, uri.key, std::string(worker_template_html()), "text/html"});
}

Status write_manifest(aws::S3Client& s3, const std::string& bucket,
                      const std::vector<std::string>& batch_keys) {
  std::vector<std::string> batch_uris;
  batch_uris.reserve(batch_keys.size());
  for (const auto& key : batch_keys) batch_uris.push_back(S3Uri{bucket, key}.str());
  return s3.put_object({bucket, kManifestKey, manifest_jsonl(batch_uris), "application/x-ndjson"});
}

// The id CloudFormation knows the resource by. Update and Delete must keep the one they carry: a
// new id makes CloudFormation delete the old resource, which would empty the bucket behind the
// new launch. A Create gets one named after its stack bucket, or after the request when the
// properties could not be read (`properties` null).
std::string physical_resource_id(const CustomResourceRequest& request,
                                 const LaunchProperties* properties) {
  if (!request.physical_resource_id.empty()) return request.physical_resource_id;
  return "bulkqa-launch-" + (properties ? properties->s3_bucket : request.request_id);
}

// What lies within the depth limit of an event too deep to parse whole; null if that is not JSON.
nlohmann::json readable_part(const std::string& payload) {
  auto readable = parse_json(json_within_depth_limit(payload), "the event", errc::kInvalidEvent);
  return readable ? std::move(*readable) : nlohmann::json();
}

// Listing ranges fetched at once: as many requests as the HTTP client keeps in flight.
constexpr std::size_t kSourceListingRanges = 64;

// Whether every image the corpus names is in the image source, by listing its prefix (see
// qa/source_images.hpp for why not a HEAD per image).
Status check_source_images(aws::S3Client& s3, const std::vector<CorpusRow>& rows,
                           const LaunchProperties& properties) {
  SourceImageCheck check(source_images(rows, properties.image_source_prefix), kSourceListingRanges);
  for (auto pages = check.next_pages(); !pages.empty(); pages = check.next_pages()) {
    std::vector<aws::ListObjectsRequest> requests;
    for (const auto& page : pages) {
      requests.push_back({properties.image_source_bucket, properties.image_source_prefix,
                          std::nullopt, page.start_after});
    }
    auto listings = s3.list_objects_all(requests);
    for (std::size_t at = 0; at < pages.size(); ++at) {
      if (!listings[at]) {
        return with_context("listing the image source s3://" + properties.image_source_bucket +
                                "/" + properties.image_source_prefix,
                            listings[at].error());
      }
      check.add_page(pages[at].range, listings[at]->keys,
                     listings[at]->next_continuation_token.has_value());
    }
  }
  return check.result(properties.image_source_bucket);
}

// The ResponseURL comes with the event, so nothing is done for a request until its answer is known
// to go somewhere safe (aws::check_untrusted_url). When it cannot, not even FAILED can be sent,
// and the error says so. A missing URL is left to the request's parser to name.
Status check_response_url(const nlohmann::json& event) {
  const auto url = event.find("ResponseURL");
  if (url == event.end() || !url->is_string()) return {};
  Status usable = aws::check_untrusted_url(url->get<std::string>());
  if (usable) return usable;
  Error error = with_context("ResponseURL", usable.error());
  error.message += "; the request is not carried out, and CloudFormation gets no answer";
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
  auto rows = read_corpus(clients_.s3, properties);
  if (!rows) return rows.error();
  const std::string& bucket = properties.s3_bucket;
  const std::vector<BatchItem> items = batch_items(*rows, bucket);
  const std::vector<Batch> batches = make_batches(items, properties.qa_batch_size);
  const std::vector<std::string> keys = batch_keys(batches);
  const S3Uri worker_template{bucket, kWorkerTemplateKey};
  log::info("corpus read", {{"rows", rows->size()}, {"batches", batches.size()}});
  if (Status found = check_source_images(clients_.s3, *rows, properties); !found) {
    return found.error();
  }

  // Reviews start from the manifest, so everything it leads to is in place before it is written:
  // the images the batches name, the batches, and the table items that post-labeling's
  // conditional updates count votes on (a vote for a missing item is refused). Every step may run
  // again: each overwrites what it wrote before (the items keep the votes already counted), so a
  // relaunch after a failure simply does them all again.
  if (Status done = copy_images(clients_.s3, *rows, properties); !done) return done.error();
  if (Status done = write_batches(clients_.s3, bucket, batches); !done) return done.error();
  if (Status done = write_items(clients_.dynamodb, properties.dynamodb_table, items); !done) {
    return done.error();
  }
  if (Status done = remove_stale_batches(clients_.s3, bucket, keys); !done) return done.error();
  if (Status done = upload_worker_template(clients_.s3, worker_template); !done) {
    return done.error();
  }
  // The manifest goes last: it names only batches that exist, and its presence marks a finished
  // launch.
  if (Status done = write_manifest(clients_.s3, bucket, keys); !done) return done.error();
  return nlohmann::json{{"ManifestUri", S3Uri{bucket, kManifestKey}.str()},
                        {"BatchCount", std::to_string(batches.size())},
                        {"ItemCount", std::to_string(items.size())},
                        {"WorkerTemplateUri", worker_template.str()}};
}

Status Launch::empty_bucket(const std::string& bucket) {
  auto keys = clients_.s3.list_all_keys(bucket, "");
  if (!keys) {
    // A bucket that is already gone is as empty as it gets.
    if (keys.error().code == aws::service_code::kNoSuchBucket) return {};
    return keys.error();
  }
  auto failures = clients_.s3.delete_objects(bucket, *keys);
  if (!failures) return failures.error();
  if (!failures->empty()) {
    const auto& first = failures->front();
    return make_error(errc::kDeleteFailed, std::to_string(failures->size()) + " objects of s3://" +
                                               bucket + " could not be deleted, e.g. '" +
                                               first.key + "': " + first.error.describe());
  }
  log::info("bucket emptied", {{"bucket", bucket}, {"objects", keys->size()}});
  return {};
}

CustomResourceResponse Launch::run(const CustomResourceRequest& request,
                                   Clock::time_point deadline) {
  clients_.set_deadline(deadline);
  CustomResourceResponse response;
  response.success = false;
  auto properties = parse_launch_properties(request.resource_properties);
  response.physical_resource_id =
      physical_resource_id(request, properties ? &*properties : nullptr);
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
    if (!aws::is_retryable_status(outcome->status)) return std::nullopt;
    Error error = make_error(errc::kHttpError, "HTTP " + std::to_string(outcome->status));
    error.retryable = true;
    return retry->next_delay(error, attempts);
  };
  std::vector<aws::HttpTask> tasks;
  tasks.push_back(std::move(task));
  auto outcome = std::move(clients_.http.run(std::move(tasks), deadline).front());
  if (!outcome) return outcome.error();
  if (outcome->status < 200 || outcome->status >= 300) {
    return make_error(errc::kResponseRejected, "CloudFormation's ResponseURL answered HTTP " +
                                                   std::to_string(outcome->status));
  }
  return {};
}

lambda::InvocationResponse Launch::handle(const lambda::InvocationRequest& invocation) {
  const auto remaining = invocation.remaining_time();
  const auto answer_by = Clock::now() + remaining - std::chrono::milliseconds(500);
  const auto work_until = Clock::now() + remaining - response_margin(remaining);

  auto event = parse_event(invocation);
  auto request =
      event ? parse_custom_resource_request(*event) : Result<CustomResourceRequest>(event.error());
  // What can be read of the event: all of it, or of one nested too deep the part within the limit
  // (text that is not JSON names no ResponseURL, and CloudFormation never sends such text).
  const nlohmann::json readable = event ? std::move(*event) : readable_part(invocation.payload);
  if (Status answerable = check_response_url(readable); !answerable) {
    return to_invocation_response(answerable.error());
  }
  if (!request) {
    // A request CloudFormation cannot be answered properly still gets a FAILED, if it says where.
    if (auto target = reply_target(readable)) {
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
                physical_resource_id(*request, nullptr), nlohmann::json::object()};
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
