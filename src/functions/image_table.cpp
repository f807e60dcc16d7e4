#include "bulkqa/functions/image_table.hpp"

#include <charconv>
#include <set>

#include "bulkqa/aws/sigv4.hpp"

namespace bulkqa::functions {

nlohmann::json image_key(const std::string& s3_image_url, const std::string& label) {
  return {{"s3_image_url", {{"S", s3_image_url}}}, {"label", {{"S", label}}}};
}

nlohmann::json image_item(const BatchItem& item) {
  nlohmann::json json = image_key(item.s3_image_url, item.label);
  json["confidence"] = {{"N", dynamodb_number(item.confidence)}};
  return json;
}

std::string dynamodb_number(double value) {
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  return std::string(buffer, result.ptr);
}

std::string vote_id(const std::string& labeling_job_arn, const std::string& dataset_object_id,
                    const std::string& worker_id, std::size_t image_index) {
  // Newlines cannot occur in ARNs or worker ids, so the joined text is unambiguous; hashing keeps
  // the ids short, as every counted vote stays in the item.
  const std::string identity = labeling_job_arn + "\n" + dataset_object_id + "\n" + worker_id +
                               "\n" + std::to_string(image_index);
  return aws::sha256_hex(identity).substr(0, 32);
}

nlohmann::json add_votes_request(const std::string& table, const ImageVotes& votes) {
  nlohmann::json values = nlohmann::json::object();
  std::vector<std::string> additions;
  if (!votes.confirm_ids.empty()) {
    additions.push_back("WorkerConfirmCount :confirms");
    values[":confirms"] = {{"N", std::to_string(votes.confirm_ids.size())}};
  }
  if (!votes.disconfirm_ids.empty()) {
    additions.push_back("WorkerDisconfirmCount :disconfirms");
    values[":disconfirms"] = {{"N", std::to_string(votes.disconfirm_ids.size())}};
  }
  nlohmann::json ids = nlohmann::json::array();
  std::string condition = "attribute_exists(s3_image_url)";
  for (const auto* group : {&votes.confirm_ids, &votes.disconfirm_ids}) {
    for (const auto& id : *group) {
      const std::string placeholder = ":vote" + std::to_string(ids.size());
      condition += " AND NOT contains(VoteIds, " + placeholder + ")";
      values[placeholder] = {{"S", id}};
      ids.push_back(id);
    }
  }
  values[":ids"] = {{"SS", ids}};
  std::string update = "ADD VoteIds :ids";
  for (const auto& addition : additions) update += ", " + addition;
  return {{"TableName", table},
          {"Key", image_key(votes.image.s3_image_url, votes.image.label)},
          {"UpdateExpression", update},
          {"ConditionExpression", condition},
          {"ExpressionAttributeValues", values}};
}

ImageVotes uncounted_votes(const ImageVotes& votes, const nlohmann::json& item) {
  std::set<std::string> counted;
  if (const auto recorded = item.find("VoteIds"); recorded != item.end() && recorded->contains("SS")) {
    for (const auto& id : (*recorded)["SS"]) counted.insert(id.get<std::string>());
  }
  ImageVotes remaining{votes.image, {}, {}};
  for (const auto& id : votes.confirm_ids) {
    if (!counted.contains(id)) remaining.confirm_ids.push_back(id);
  }
  for (const auto& id : votes.disconfirm_ids) {
    if (!counted.contains(id)) remaining.disconfirm_ids.push_back(id);
  }
  return remaining;
}

}  // namespace bulkqa::functions
