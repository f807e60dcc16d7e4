#include "bulkqa/functions/image_table.hpp"

#include <charconv>
#include <set>

#include "bulkqa/aws/dynamodb.hpp"
#include "bulkqa/aws/sigv4.hpp"
#include "bulkqa/util/text.hpp"

namespace bulkqa::functions {

nlohmann::json image_key(const std::string& s3_image_url, const std::string& label) {
  return {{"s3_image_url", {{"S", s3_image_url}}}, {"label", {{"S", label}}}};
}

nlohmann::json image_upsert_request(const std::string& table, const BatchItem& item) {
  return {
      {"TableName", table},
      {"Key", image_key(item.s3_image_url, item.label)},
      {"UpdateExpression", "SET confidence = :confidence"},
      {"ExpressionAttributeValues", {{":confidence", {{"N", dynamodb_number(item.confidence)}}}}}};
}

namespace {

Result<double> confidence_attribute(const nlohmann::json& item) {
  const std::string* text = aws::number_text(item, "confidence");
  const auto number = text ? parse_finite_number(*text) : std::nullopt;
  if (!number) return make_error(errc::kInvalidItem, "attribute 'confidence' is not a number (N)");
  return *number;
}

// A vote count; absent means no votes yet.
Result<std::size_t> count_attribute(const nlohmann::json& item, const char* name) {
  if (!item.contains(name)) return std::size_t{0};
  return aws::count_attribute(item, name);
}

}  // namespace

Result<ReviewedImage> reviewed_image(const nlohmann::json& item) {
  auto url = aws::string_attribute(item, "s3_image_url");
  auto label = aws::string_attribute(item, "label");
  auto confidence = confidence_attribute(item);
  auto confirms = count_attribute(item, "WorkerConfirmCount");
  auto disconfirms = count_attribute(item, "WorkerDisconfirmCount");
  for (const Error* error :
       {url ? nullptr : &url.error(), label ? nullptr : &label.error(),
        confidence ? nullptr : &confidence.error(), confirms ? nullptr : &confirms.error(),
        disconfirms ? nullptr : &disconfirms.error()}) {
    if (error == nullptr) continue;
    return url ? with_context("item " + *url, *error) : *error;
  }
  return ReviewedImage{*url, *label, *confidence, *confirms, *disconfirms};
}

Result<std::vector<ReviewedImage>> reviewed_images(const std::vector<nlohmann::json>& items) {
  std::vector<ReviewedImage> images;
  images.reserve(items.size());
  for (const auto& item : items) {
    auto image = reviewed_image(item);
    if (!image) return image.error();
    images.push_back(std::move(*image));
  }
  return images;
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

std::vector<ImageVotes> split_votes(const ImageVotes& votes) {
  std::vector<ImageVotes> parts;
  const auto add = [&](const std::string& id, bool confirmed) {
    if (parts.empty() || parts.back().confirm_ids.size() + parts.back().disconfirm_ids.size() ==
                             kMaxVotesPerUpdate) {
      parts.push_back({votes.image, {}, {}});
    }
    (confirmed ? parts.back().confirm_ids : parts.back().disconfirm_ids).push_back(id);
  };
  for (const auto& id : votes.confirm_ids) add(id, true);
  for (const auto& id : votes.disconfirm_ids) add(id, false);
  return parts;
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
  if (const auto recorded = item.find("VoteIds");
      recorded != item.end() && recorded->contains("SS")) {
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
