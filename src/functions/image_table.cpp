#include "bulkqa/functions/image_table.hpp"

#include <charconv>

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

nlohmann::json add_vote_request(const std::string& table, const BatchItem& image, bool confirmed,
                                const std::string& vote_id) {
  return {
      {"TableName", table},
      {"Key", image_key(image.s3_image_url, image.label)},
      {"UpdateExpression", "ADD #count :one, VoteIds :vote_set"},
      {"ConditionExpression", "attribute_exists(s3_image_url) AND NOT contains(VoteIds, :vote_id)"},
      {"ExpressionAttributeNames",
       {{"#count", confirmed ? "WorkerConfirmCount" : "WorkerDisconfirmCount"}}},
      {"ExpressionAttributeValues",
       {{":one", {{"N", "1"}}},
        {":vote_set", {{"SS", {vote_id}}}},
        {":vote_id", {{"S", vote_id}}}}},
  };
}

}  // namespace bulkqa::functions
