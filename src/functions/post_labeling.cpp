#include "bulkqa/functions/post_labeling.hpp"

#include <iterator>
#include <unordered_map>

#include "bulkqa/aws/service_codes.hpp"
#include "bulkqa/functions/image_table.hpp"
#include "bulkqa/functions/vote_counter.hpp"
#include "bulkqa/util/log.hpp"
#include "bulkqa/util/text.hpp"

namespace bulkqa::functions {
namespace {

constexpr const char* kRoleSessionName = "bulkqa-post-labeling";

// Texts read from S3, by S3Uri::str(): each object's body, or the error reading it.
using ObjectTexts = std::unordered_map<std::string, Result<std::string>>;

// Every object consolidation_reads names, read.
struct ReadObjects {
  ObjectTexts batches;
  ObjectTexts answers;
};

std::vector<aws::GetObjectRequest> get_requests(const std::vector<S3Uri>& uris) {
  std::vector<aws::GetObjectRequest> requests;
  requests.reserve(uris.size());
  for (const S3Uri& uri : uris) requests.push_back({uri.bucket, uri.key});
  return requests;
}

// The batches `objects` name, read as the function itself (`own`, from the stack bucket only:
// check_batch_source, checked before anything is read), and the answers stored in S3, read as
// `reader`. Nothing read depends on anything else read, so with one client for both all of it
// goes in one round trip; answers read as the event's role take a second.
Result<ReadObjects> read_objects(const FunctionConfig& config, aws::S3Client& own,
                                 aws::S3Client& reader, const std::vector<DatasetObject>& objects) {
  for (const DatasetObject& object : objects) {
    if (!object.data_object_uri || object.data_object_content) continue;
    if (Status allowed = check_batch_source(config, *object.data_object_uri, "dataObject.s3Uri");
        !allowed) {
      return with_context("dataset object " + quote_value(object.dataset_object_id),
                          allowed.error());
    }
  }
  const ConsolidationReads reads = consolidation_reads(objects);
  const bool one_reader = &reader == &own;
  std::vector<S3Uri> own_reads = reads.batches;
  if (one_reader) own_reads.insert(own_reads.end(), reads.answers.begin(), reads.answers.end());
  // texts[i] is the text of the i-th of the batches followed by the answers.
  std::vector<Result<std::string>> texts = own.get_objects(get_requests(own_reads));
  if (!one_reader) {
    auto answers = reader.get_objects(get_requests(reads.answers));
    texts.insert(texts.end(), std::make_move_iterator(answers.begin()),
                 std::make_move_iterator(answers.end()));
  }
  ReadObjects read;
  const std::size_t batch_count = reads.batches.size();
  for (std::size_t i = 0; i < texts.size(); ++i) {
    const bool batch = i < batch_count;
    const S3Uri& uri = batch ? reads.batches[i] : reads.answers[i - batch_count];
    (batch ? read.batches : read.answers).emplace(uri.str(), std::move(texts[i]));
  }
  return read;
}

// The object's batch: inline, or read.
Result<std::vector<BatchItem>> object_batch(const DatasetObject& object,
                                            const ObjectTexts& batches) {
  if (object.data_object_content) return parse_batch(*object.data_object_content);
  const Result<std::string>& text = batches.at(object.data_object_uri->str());
  if (!text) return text.error();
  return parse_batch(*text);
}

// Each worker's votes. An answer that could not be read, or that is not a vote on every image of
// `batch`, fails the whole object, naming the worker: skipping it would lose its votes for good,
// while a failed invocation is retried by Ground Truth.
Result<std::vector<WorkerVotes>> worker_votes(const DatasetObject& object,
                                              const std::vector<BatchItem>& batch,
                                              const ObjectTexts& answers) {
  std::vector<WorkerVotes> workers;
  for (const auto& annotation : object.annotations) {
    const Result<std::string>* stored =
        annotation.content ? nullptr : &answers.at(annotation.content_uri->str());
    auto votes = stored && !*stored ? Result<std::vector<Vote>>(stored->error())
                                    : parse_votes(stored ? **stored : *annotation.content, batch);
    if (!votes) return with_context("worker " + quote_value(annotation.worker_id), votes.error());
    workers.push_back({annotation.worker_id, std::move(*votes)});
  }
  return workers;
}

// The votes of every worker on every image of the object's batch.
Result<std::vector<ImageTally>> object_tallies(const DatasetObject& object,
                                               const ReadObjects& read) {
  auto batch = object_batch(object, read.batches);
  if (!batch) return batch.error();
  auto workers = worker_votes(object, *batch, read.answers);
  if (!workers) return workers.error();
  return tally_batch(*batch, *workers);
}

}  // namespace

PostLabeling::PostLabeling(FunctionConfig config)
    : config_(std::move(config)), clients_(config_.aws), sts_(config_.aws, clients_.http) {}

Result<aws::S3Client*> PostLabeling::ground_truth_reader(const std::string& role_arn) {
  if (!config_.assume_event_role) return &clients_.s3;
  auto credentials = sts_.assume_role(role_arn, kRoleSessionName);
  if (!credentials) return credentials.error();
  aws::AwsConfig role_config = config_.aws;
  role_config.credentials = std::move(*credentials);
  role_config.credential_source = nullptr;  // else a source would sign instead of the role's keys
  role_s3_.emplace(role_config, clients_.http);
  role_s3_->service().set_deadline(clients_.s3.service().deadline());
  return &*role_s3_;
}

Result<nlohmann::json> PostLabeling::run(const nlohmann::json& event_json) {
  if (config_.table.empty())
    return make_error(errc::kInvalidConfiguration, "BULKQA_TABLE is not set");
  auto event = parse_post_labeling_event(event_json);
  if (!event) return event.error();
  auto reader = ground_truth_reader(event->role_arn);
  if (!reader) return reader.error();
  auto payload_text = (*reader)->get_object(event->payload.bucket, event->payload.key);
  if (!payload_text) return payload_text.error();
  auto objects = parse_consolidation_payload(*payload_text);
  if (!objects) return objects.error();

  // Every answer is read before the first vote is counted: an answer that cannot be read fails
  // the invocation with nothing counted, and Ground Truth's retry counts each vote once.
  auto read = read_objects(config_, clients_.s3, **reader, *objects);
  if (!read) return read.error();
  nlohmann::json consolidated = nlohmann::json::array();
  std::vector<ImageVotes> votes;
  for (const auto& object : *objects) {
    auto tallies = object_tallies(object, *read);
    if (!tallies) {
      return with_context("dataset object " + quote_value(object.dataset_object_id),
                          tallies.error());
    }
    add_image_votes(event->labeling_job_arn, object.dataset_object_id, *tallies, votes);
    consolidated.push_back({{"datasetObjectId", object.dataset_object_id},
                            {"consolidatedAnnotation",
                             {{"content",
                               {{event->label_attribute_name,
                                 {{"label", tallies->front().item.label},
                                  {"images", consolidated_content(*tallies)}}}}}}}});
  }
  if (auto applied = VoteCounter(clients_.dynamodb, config_.table).apply_votes(std::move(votes));
      !applied)
    return applied.error();
  return consolidated;
}

lambda::InvocationResponse PostLabeling::handle(const lambda::InvocationRequest& request) {
  auto event = parse_event(request);
  if (!event) return to_invocation_response(event.error());
  clients_.set_deadline_for(request);
  sts_.service().set_deadline(clients_.s3.service().deadline());
  return to_invocation_response(run(*event));
}

}  // namespace bulkqa::functions
