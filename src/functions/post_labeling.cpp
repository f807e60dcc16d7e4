#include "bulkqa/functions/post_labeling.hpp"

#include "bulkqa/functions/image_table.hpp"
#include "bulkqa/log.hpp"

namespace bulkqa::functions {
namespace {

// True when the item's recorded votes include `id`: the refused update was a repeat.
bool vote_already_counted(const nlohmann::json& item, const std::string& id) {
  const auto votes = item.find("VoteIds");
  if (votes == item.end() || !votes->contains("SS")) return false;
  for (const auto& recorded : (*votes)["SS"]) {
    if (recorded == id) return true;
  }
  return false;
}

}  // namespace

PostLabeling::PostLabeling(FunctionConfig config)
    : config_(std::move(config)), clients_(config_.aws) {}

Result<std::vector<BatchItem>> PostLabeling::load_batch(const DatasetObject& object) {
  if (object.data_object_content) return parse_batch(*object.data_object_content);
  auto text = clients_.s3.get_object(object.data_object_uri->bucket, object.data_object_uri->key);
  if (!text) return text.error();
  return parse_batch(*text);
}

std::vector<WorkerVotes> PostLabeling::read_votes(const DatasetObject& object,
                                                  std::size_t batch_size) {
  std::vector<WorkerVotes> workers;
  for (const auto& annotation : object.annotations) {
    std::string content;
    if (annotation.content) {
      content = *annotation.content;
    } else {
      auto stored = clients_.s3.get_object(annotation.content_uri->bucket, annotation.content_uri->key);
      if (!stored) {
        log::warn("annotation skipped", {{"dataset_object_id", object.dataset_object_id},
                                         {"worker_id", annotation.worker_id},
                                         {"error", stored.error().describe()}});
        continue;
      }
      content = std::move(*stored);
    }
    auto votes = parse_votes(content, batch_size);
    if (!votes) {
      log::warn("annotation skipped", {{"dataset_object_id", object.dataset_object_id},
                                       {"worker_id", annotation.worker_id},
                                       {"error", votes.error().describe()}});
      continue;
    }
    workers.push_back({annotation.worker_id, std::move(*votes)});
  }
  return workers;
}

void PostLabeling::add_vote_requests(const std::string& labeling_job_arn,
                                     const std::string& dataset_object_id,
                                     const std::vector<ImageTally>& tallies,
                                     std::vector<nlohmann::json>& requests) const {
  for (const auto& tally : tallies) {
    for (bool confirmed : {true, false}) {
      const auto& workers = confirmed ? tally.confirm_workers : tally.disconfirm_workers;
      for (const auto& worker : workers) {
        const std::string id = vote_id(labeling_job_arn, dataset_object_id, worker, tally.index);
        requests.push_back(add_vote_request(config_.table, tally.item, confirmed, id));
      }
    }
  }
}

Status PostLabeling::apply_vote_requests(const std::vector<nlohmann::json>& requests) {
  auto answers = clients_.dynamodb.call_all("UpdateItem", requests);
  std::size_t repeats = 0;
  for (std::size_t i = 0; i < answers.size(); ++i) {
    if (answers[i]) continue;
    if (answers[i].error().code != "ConditionalCheckFailedException") return answers[i].error();
    // Refused: either this vote was counted by an earlier invocation (fine), or the image has no
    // item (launch did not write it), which must not pass silently.
    const auto& key = requests[i]["Key"];
    const std::string id = requests[i]["ExpressionAttributeValues"][":vote_id"]["S"];
    auto item = clients_.dynamodb.get_item(config_.table, key);
    if (!item) return item.error();
    if (!*item) {
      return make_error("MissingItem", "no item in table '" + config_.table + "' for image " +
                                           key["s3_image_url"]["S"].get<std::string>() +
                                           " with label " + key["label"]["S"].dump());
    }
    if (!vote_already_counted(**item, id)) return answers[i].error();
    ++repeats;
  }
  log::info("votes recorded", {{"applied", answers.size() - repeats}, {"repeats", repeats}});
  return {};
}

Result<nlohmann::json> PostLabeling::run(const nlohmann::json& event_json) {
  if (config_.table.empty()) return make_error("InvalidConfiguration", "BULKQA_TABLE is not set");
  auto event = parse_post_labeling_event(event_json);
  if (!event) return event.error();
  auto payload_text = clients_.s3.get_object(event->payload.bucket, event->payload.key);
  if (!payload_text) return payload_text.error();
  auto objects = parse_consolidation_payload(*payload_text);
  if (!objects) return objects.error();

  nlohmann::json consolidated = nlohmann::json::array();
  std::vector<nlohmann::json> vote_requests;
  for (const auto& object : *objects) {
    auto batch = load_batch(object);
    if (!batch) {
      Error error = batch.error();
      error.message = "dataset object " + object.dataset_object_id + ": " + error.message;
      return error;
    }
    const auto tallies = tally_batch(*batch, read_votes(object, batch->size()));
    add_vote_requests(event->labeling_job_arn, object.dataset_object_id, tallies, vote_requests);
    const std::string label = batch->empty() ? "" : batch->front().label;
    consolidated.push_back(
        {{"datasetObjectId", object.dataset_object_id},
         {"consolidatedAnnotation",
          {{"content",
            {{event->label_attribute_name,
              {{"label", label}, {"images", consolidated_content(tallies)}}}}}}}});
  }
  if (auto applied = apply_vote_requests(vote_requests); !applied) return applied.error();
  return consolidated;
}

lambda::InvocationResponse PostLabeling::handle(const lambda::InvocationRequest& request) {
  auto event = parse_event(request);
  if (!event) return to_invocation_response(event.error());
  clients_.set_deadline(std::chrono::steady_clock::now() + request.remaining_time());
  return to_invocation_response(run(*event));
}

}  // namespace bulkqa::functions
