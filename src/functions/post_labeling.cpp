#include "bulkqa/functions/post_labeling.hpp"

#include "bulkqa/aws/service_codes.hpp"
#include "bulkqa/functions/image_table.hpp"
#include "bulkqa/util/log.hpp"
#include "bulkqa/util/text.hpp"

namespace bulkqa::functions {
namespace {

constexpr int kMaxVoteRounds = 6;
constexpr const char* kRoleSessionName = "bulkqa-post-labeling";

bool has_votes(const ImageVotes& votes) {
  return !votes.confirm_ids.empty() || !votes.disconfirm_ids.empty();
}

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

void PostLabeling::add_image_votes(const std::string& labeling_job_arn,
                                   const std::string& dataset_object_id,
                                   const std::vector<ImageTally>& tallies,
                                   std::vector<ImageVotes>& votes) const {
  for (const auto& tally : tallies) {
    ImageVotes image{tally.item, {}, {}};
    for (const auto& worker : tally.confirm_workers) {
      image.confirm_ids.push_back(
          vote_id(labeling_job_arn, dataset_object_id, worker, tally.index));
    }
    for (const auto& worker : tally.disconfirm_workers) {
      image.disconfirm_ids.push_back(
          vote_id(labeling_job_arn, dataset_object_id, worker, tally.index));
    }
    if (has_votes(image)) votes.push_back(std::move(image));
  }
}

Status PostLabeling::apply_votes(std::vector<ImageVotes> votes) {
  // An image's votes go in conditional updates of at most kMaxVotesPerUpdate votes each (one for
  // up to 80 reviewers, so Ground Truth's tasks need one). The parts of one image go one after
  // another, in waves: DynamoDB applies updates to one item atomically in any order, but an
  // emulator that reads, changes and writes back an item loses one of two concurrent updates, and
  // one item gains nothing from parallel writes anyway. Images are many, so each wave still keeps
  // many requests in flight.
  std::vector<std::vector<ImageVotes>> waves;
  for (const auto& image : votes) {
    std::vector<ImageVotes> parts = split_votes(image);
    if (waves.size() < parts.size()) waves.resize(parts.size());
    for (std::size_t part = 0; part < parts.size(); ++part) {
      waves[part].push_back(std::move(parts[part]));
    }
  }
  for (auto& wave : waves) {
    if (Status applied = apply_wave(std::move(wave)); !applied) return applied;
  }
  return {};
}

Status PostLabeling::apply_wave(std::vector<ImageVotes> pending) {
  // Each update adds its votes and their ids atomically, on the condition that none of its ids is
  // in VoteIds yet, so VoteIds always holds exactly the votes counted: no vote is counted twice,
  // whichever updates succeed. A refusal means some of its votes were counted before (Ground
  // Truth invoked us again, or a retried request was applied although its answer got lost), or
  // the item is missing: the refused parts' items are read again and only the votes they lack are
  // sent in the next round, until all are counted.
  std::size_t reconciled = 0;
  for (int round = 0; round < kMaxVoteRounds && !pending.empty(); ++round) {
    if (round > 0) {
      auto remaining = remaining_votes(pending);
      if (!remaining) return remaining.error();
      reconciled += pending.size();
      pending = std::move(*remaining);
      if (pending.empty()) break;
    }
    std::vector<nlohmann::json> requests;
    requests.reserve(pending.size());
    for (const auto& image : pending) requests.push_back(add_votes_request(config_.table, image));
    auto answers = clients_.dynamodb.call_all("UpdateItem", requests);
    std::vector<ImageVotes> refused;
    for (std::size_t i = 0; i < answers.size(); ++i) {
      if (answers[i]) continue;
      if (answers[i].error().code != aws::service_code::kConditionalCheckFailed)
        return answers[i].error();
      refused.push_back(std::move(pending[i]));
    }
    pending = std::move(refused);
  }
  if (!pending.empty()) {
    return make_error(errc::kVoteConflict, "the votes for image " +
                                               pending.front().image.s3_image_url +
                                               " kept conflicting with concurrent updates");
  }
  log::info("votes recorded", {{"reconciled_images", reconciled}});
  return {};
}

Result<std::vector<ImageVotes>> PostLabeling::remaining_votes(
    const std::vector<ImageVotes>& refused) {
  std::vector<nlohmann::json> reads;
  reads.reserve(refused.size());
  for (const auto& votes : refused) {
    reads.push_back({{"TableName", config_.table},
                     {"Key", image_key(votes.image.s3_image_url, votes.image.label)},
                     {"ConsistentRead", true}});
  }
  auto answers = clients_.dynamodb.call_all("GetItem", reads);
  std::vector<ImageVotes> remaining;
  for (std::size_t i = 0; i < answers.size(); ++i) {
    if (!answers[i]) return answers[i].error();
    const BatchItem& image = refused[i].image;
    if (!answers[i]->contains("Item")) {
      return make_error(errc::kMissingItem, "no item in table '" + config_.table + "' for image " +
                                                image.s3_image_url + " with label '" + image.label +
                                                "'");
    }
    ImageVotes uncounted = uncounted_votes(refused[i], (*answers[i])["Item"]);
    if (has_votes(uncounted)) remaining.push_back(std::move(uncounted));
  }
  return remaining;
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
  if (auto applied = apply_votes(std::move(votes)); !applied) return applied.error();
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
