#include "bulkqa/functions/post_labeling.hpp"

#include "bulkqa/aws/service_codes.hpp"
#include "bulkqa/functions/image_table.hpp"
#include "bulkqa/functions/vote_counter.hpp"
#include "bulkqa/util/log.hpp"
#include "bulkqa/util/text.hpp"

namespace bulkqa::functions {
namespace {

constexpr const char* kRoleSessionName = "bulkqa-post-labeling";

// One answer's text: inline, or read from S3 as `reader`.
Result<std::string> annotation_content(const Annotation& annotation, aws::S3Client& reader) {
  if (annotation.content) return *annotation.content;
  return reader.get_object(annotation.content_uri->bucket, annotation.content_uri->key);
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

Result<std::vector<BatchItem>> PostLabeling::load_batch(const DatasetObject& object) {
  if (object.data_object_content) return parse_batch(*object.data_object_content);
  const S3Uri& source = *object.data_object_uri;
  if (Status allowed = check_batch_source(config_, source, "dataObject.s3Uri"); !allowed) {
    return allowed.error();
  }
  auto text = clients_.s3.get_object(source.bucket, source.key);
  if (!text) return text.error();
  return parse_batch(*text);
}

Result<std::vector<WorkerVotes>> PostLabeling::read_votes(const DatasetObject& object,
                                                          const std::vector<BatchItem>& batch,
                                                          aws::S3Client& reader) {
  std::vector<WorkerVotes> workers;
  for (const auto& annotation : object.annotations) {
    auto content = annotation_content(annotation, reader);
    auto votes =
        content ? parse_votes(*content, batch) : Result<std::vector<Vote>>(content.error());
    if (!votes) return with_context("worker " + quote_value(annotation.worker_id), votes.error());
    workers.push_back({annotation.worker_id, std::move(*votes)});
  }
  return workers;
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
  nlohmann::json consolidated = nlohmann::json::array();
  std::vector<ImageVotes> votes;
  for (const auto& object : *objects) {
    auto tallies = object_tallies(object, **reader);
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

Result<std::vector<ImageTally>> PostLabeling::object_tallies(const DatasetObject& object,
                                                             aws::S3Client& reader) {
  auto batch = load_batch(object);
  if (!batch) return batch.error();
  auto workers = read_votes(object, *batch, reader);
  if (!workers) return workers.error();
  return tally_batch(*batch, *workers);
}

lambda::InvocationResponse PostLabeling::handle(const lambda::InvocationRequest& request) {
  auto event = parse_event(request);
  if (!event) return to_invocation_response(event.error());
  clients_.set_deadline_for(request);
  sts_.service().set_deadline(clients_.s3.service().deadline());
  return to_invocation_response(run(*event));
}

}  // namespace bulkqa::functions
