#include "bulkqa/functions/launch.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <array>
#include <set>
#include <unordered_map>

#include "bulkqa/aws/retry.hpp"
#include "bulkqa/aws/service_client.hpp"
#include "bulkqa/functions/image_table.hpp"
#include "bulkqa/functions/worker_template.hpp"
#include "bulkqa/qa/batching.hpp"
#include "bulkqa/qa/corpus.hpp"
#include "bulkqa/qa/launch_plan.hpp"
#include "bulkqa/qa/s3_uri.hpp"
#include "bulkqa/qa/source_images.hpp"
#include "bulkqa/util/json_fields.hpp"
#include "bulkqa/util/log.hpp"
#include "bulkqa/util/text.hpp"

namespace bulkqa::functions {
namespace {

using Clock = std::chrono::steady_clock;

// Time kept back from the work for answering CloudFormation: a tenth of what is left, between
// 2 and 30 seconds.
Clock::duration response_margin(std::chrono::milliseconds remaining) {
  return std::clamp<std::chrono::milliseconds>(remaining / 10, std::chrono::seconds(2),
                                               std::chrono::seconds(30));
}

// The rows to review: the corpus read from the launch bucket, checked whole, without the rows
// below the minimum confidence. The text is let go once parsed: the compact corpus keeps what
// launch needs.
Result<CompactCorpus> load_corpus(aws::S3Client& s3, const LaunchProperties& properties,
                                  const ImagePlacement& placement) {
  const S3Uri corpus_uri{properties.launch_bucket, properties.label_corpus_key};
  Result<CompactCorpus> corpus = [&]() -> Result<CompactCorpus> {
    auto text = s3.get_object(corpus_uri.bucket, corpus_uri.key);
    if (!text) return text.error();
    return parse_compact_corpus(*text);
  }();
  if (!corpus) return with_context(corpus_uri.str(), corpus.error());
  corpus->keep_min_confidence(properties.min_confidence);
  // Every key launch will write must fit S3 and DynamoDB and miss the stack's own objects.
  if (Status keys = check_launch_keys(*corpus, placement); !keys) {
    return with_context(corpus_uri.str(), keys.error());
  }
  return corpus;
}

ImagePlacement image_placement(const LaunchProperties& properties) {
  return {properties.s3_bucket, properties.image_source_bucket, properties.image_source_prefix,
          properties.copy_images};
}

// The failures of one kind of bulk write: how many, and the first few, for a Reason that stays
// readable.
struct WriteFailures {
  WriteFailures(std::string step_name, std::size_t requests)
      : step(std::move(step_name)), total(requests) {}

  std::string step;
  std::size_t total;
  std::size_t failed = 0;
  std::string examples;

  void add(const Error& error) {
    if (++failed <= 3) examples += (examples.empty() ? "" : "; ") + error.describe();
  }
  Status status() const {
    if (failed == 0) return {};
    return make_error(errc::kLaunchFailed, step + ": " + std::to_string(failed) + " of " +
                                               std::to_string(total) + " requests failed, e.g. " +
                                               examples);
  }
};

// The bulk of a launch, streamed through one HttpClient run: the image copies and the batch
// objects (S3) and the table's items (DynamoDB), in the order LaunchWriteOrder interleaves them.
// Each request is built when its turn comes, so memory holds only the requests in flight or
// waiting, whatever the corpus's size. After a failure (one that retries could not mend) no new
// request is started: the launch fails, and running it again redoes every write.
class BulkWrites {
 public:
  BulkWrites(AwsClients& clients, const LaunchPlan& plan, const std::string& table)
      : clients_(clients),
        plan_(plan),
        table_(table),
        order_(plan.copy_count(), plan.batch_count(), plan.item_count()),
        failures_{{{"copying images", plan.copy_count()},
                   {"writing batches", plan.batch_count()},
                   {"writing the image table", plan.item_count()}}} {}

  Status run() {
    for (aws::ServiceClient* service : {&clients_.s3.service(), &clients_.dynamodb.service()}) {
      if (Status ready = service->check_credentials(); !ready) return ready;
    }
    const aws::HttpTaskStream stream{[this] { return next_task(); },
                                     [this](std::size_t index, aws::HttpOutcome outcome) {
                                       finished(index, std::move(outcome));
                                     }};
    const Status ended = clients_.http.run_stream(stream, clients_.s3.service().deadline());
    for (const WriteFailures& failures : failures_) {
      if (Status status = failures.status(); !status) return status;
    }
    return ended;
  }

 private:
  struct Pending {
    LaunchWrite write;
    std::size_t index;  // among writes of its kind
  };

  std::optional<aws::HttpTask> next_task() {
    if (any_failed_) return std::nullopt;
    const auto write = order_.next();
    if (!write) return std::nullopt;
    const auto [kind, index] = *write;
    pending_.emplace(taken_++, Pending{kind, index});
    return service_of(kind).task(request_of(kind, index));
  }

  void finished(std::size_t task, aws::HttpOutcome http_outcome) {
    const Pending pending = pending_.at(task);
    pending_.erase(task);
    const aws::ServiceOutcome outcome = service_of(pending.write).outcome(std::move(http_outcome));
    if (outcome) return;
    any_failed_ = true;
    failures_[static_cast<std::size_t>(pending.write)].add(
        with_context(describe(pending.write, pending.index), outcome.error()));
  }

  aws::ServiceClient& service_of(LaunchWrite write) {
    return write == LaunchWrite::kWriteItem ? clients_.dynamodb.service() : clients_.s3.service();
  }

  aws::ServiceRequest request_of(LaunchWrite write, std::size_t index) const {
    const std::string& bucket = plan_.placement().stack_bucket;
    switch (write) {
      case LaunchWrite::kCopyImage: {
        auto [source_key, key] = plan_.copy(index);
        return clients_.s3.copy_object_request(
            {plan_.placement().image_source_bucket, std::move(source_key), bucket, std::move(key)});
      }
      case LaunchWrite::kPutBatch:
        return clients_.s3.put_object_request({bucket, plan_.batch_key(index),
                                               batch_to_json(plan_.batch(index).items).dump(),
                                               "application/json"});
      case LaunchWrite::kWriteItem:
        break;
    }
    // One upsert per image rather than 25 per BatchWriteItem: a relaunch must keep the votes
    // already counted, and BatchWriteItem can only overwrite whole items.
    return clients_.dynamodb.json_request("UpdateItem",
                                          image_upsert_request(table_, plan_.item(index)));
  }

  std::string describe(LaunchWrite write, std::size_t index) const {
    const std::string& bucket = plan_.placement().stack_bucket;
    switch (write) {
      case LaunchWrite::kCopyImage: {
        const auto [source_key, key] = plan_.copy(index);
        return "CopyObject " + S3Uri{plan_.placement().image_source_bucket, source_key}.str() +
               " to " + S3Uri{bucket, key}.str();
      }
      case LaunchWrite::kPutBatch:
        return "PutObject " + S3Uri{bucket, plan_.batch_key(index)}.str();
      case LaunchWrite::kWriteItem:
        break;
    }
    const BatchItem item = plan_.item(index);
    return "UpdateItem of image " + item.s3_image_url + " with label " + quote_value(item.label);
  }

  AwsClients& clients_;
  const LaunchPlan& plan_;
  const std::string& table_;
  LaunchWriteOrder order_;
  std::array<WriteFailures, 3> failures_;  // by LaunchWrite
  std::unordered_map<std::size_t, Pending> pending_;
  std::size_t taken_ = 0;
  bool any_failed_ = false;
};

std::vector<std::string> batch_keys(const LaunchPlan& plan) {
  std::vector<std::string> keys;
  keys.reserve(plan.batch_count());
  for (std::size_t index = 0; index < plan.batch_count(); ++index) {
    keys.push_back(plan.batch_key(index));
  }
  return keys;
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
Status check_source_images(aws::S3Client& s3, const CompactCorpus& corpus,
                           const LaunchProperties& properties) {
  SourceImageCheck check(source_images(corpus), properties.image_source_prefix,
                         kSourceListingRanges);
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

// Deletes the keys (DeleteObjects, up to 1000 keys a call, the calls side by side).
Status delete_keys(aws::S3Client& s3, const std::string& bucket,
                   const std::vector<std::string>& keys) {
  auto failures = s3.delete_objects(bucket, keys);
  if (!failures) return failures.error();
  if (failures->empty()) return {};
  const auto& first = failures->front();
  return make_error(errc::kDeleteFailed, std::to_string(failures->size()) + " objects of s3://" +
                                             bucket + " could not be deleted, e.g. '" + first.key +
                                             "': " + first.error.describe());
}

// The Concurrency asked for, within what the process may open: each request in flight holds a
// connection, and Lambda allows 1,024 open files, some of them taken already.
std::size_t usable_concurrency(std::size_t wanted) {
  constexpr rlim_t kFilesKeptFree = 64;
  rlimit files{};
  if (getrlimit(RLIMIT_NOFILE, &files) != 0 || files.rlim_cur == RLIM_INFINITY) return wanted;
  const auto usable = static_cast<std::size_t>(
      files.rlim_cur > 2 * kFilesKeptFree ? files.rlim_cur - kFilesKeptFree : kFilesKeptFree);
  if (usable < wanted) {
    log::warn("concurrency lowered to the open-file limit",
              {{"wanted", wanted}, {"usable", usable}});
  }
  return std::min(wanted, usable);
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
  const ImagePlacement placement = image_placement(properties);
  auto corpus = load_corpus(clients_.s3, properties, placement);
  if (!corpus) return corpus.error();
  const std::string& bucket = properties.s3_bucket;
  const LaunchPlan plan(*corpus, placement, properties.qa_batch_size);
  const S3Uri worker_template{bucket, kWorkerTemplateKey};
  log::info(
      "corpus read",
      {{"rows", corpus->size()}, {"batches", plan.batch_count()}, {"copies", plan.copy_count()}});
  if (Status found = check_source_images(clients_.s3, *corpus, properties); !found) {
    return found.error();
  }

  // Reviews start from the manifest, so everything it leads to is in place before it is written:
  // the images the batches name, the batches, and the table items that post-labeling's
  // conditional updates count votes on (a vote for a missing item is refused). Every step may run
  // again: each overwrites what it wrote before (the items keep the votes already counted), so a
  // relaunch after a failure simply does them all again.
  if (Status done = BulkWrites(clients_, plan, properties.dynamodb_table).run(); !done) {
    return done.error();
  }
  const std::vector<std::string> keys = batch_keys(plan);
  if (Status done = remove_stale_batches(clients_.s3, bucket, keys); !done) return done.error();
  if (Status done = upload_worker_template(clients_.s3, worker_template); !done) {
    return done.error();
  }
  // The manifest goes last: it names only batches that exist, and its presence marks a finished
  // launch.
  if (Status done = write_manifest(clients_.s3, bucket, keys); !done) return done.error();
  return nlohmann::json{{"ManifestUri", S3Uri{bucket, kManifestKey}.str()},
                        {"BatchCount", std::to_string(plan.batch_count())},
                        {"ItemCount", std::to_string(plan.item_count())},
                        {"WorkerTemplateUri", worker_template.str()}};
}

Status Launch::empty_bucket(const std::string& bucket) {
  // Listing goes page after page (each continuation token comes with the page before), so the
  // keys are deleted in rounds of as many pages as requests may be in flight: memory holds one
  // round's keys, and each round's deletes run side by side.
  const std::size_t keys_per_round = clients_.http.max_concurrency() * aws::kMaxKeysPerDelete;
  std::size_t deleted = 0;
  std::optional<std::string> token;
  do {
    std::vector<std::string> keys;
    do {
      auto page = clients_.s3.list_objects(bucket, "", token);
      // A bucket that is already gone is as empty as it gets.
      if (!page && page.error().code == aws::service_code::kNoSuchBucket) return {};
      if (!page) return page.error();
      keys.insert(keys.end(), std::make_move_iterator(page->keys.begin()),
                  std::make_move_iterator(page->keys.end()));
      token = std::move(page->next_continuation_token);
    } while (token && keys.size() < keys_per_round);
    if (Status done = delete_keys(clients_.s3, bucket, keys); !done) return done;
    deleted += keys.size();
  } while (token);
  log::info("bucket emptied", {{"bucket", bucket}, {"objects", deleted}});
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

  clients_.http.set_max_concurrency(usable_concurrency(properties->concurrency));
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
