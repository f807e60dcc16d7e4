// The image table's items: key (s3_image_url, label), confidence, and the vote counts
// WorkerConfirmCount / WorkerDisconfirmCount with the set VoteIds of the votes already counted.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bulkqa/qa/batching.hpp"
#include "bulkqa/qa/reviewed_image.hpp"
#include "bulkqa/util/error.hpp"

namespace bulkqa::functions {

// DynamoDB's key of the item for one image.
nlohmann::json image_key(const std::string& s3_image_url, const std::string& label);

// UpdateItem that writes an image's item: creates it without votes, or sets the confidence of
// the item already there and keeps the votes it counted. Sent twice, it leaves the same item, so
// a relaunch after a crash, or an Update with the same corpus, converges and loses no vote.
nlohmann::json image_upsert_request(const std::string& table, const BatchItem& item);

// An item read back from the table; errors name the attribute at fault. Absent counts are 0.
Result<ReviewedImage> reviewed_image(const nlohmann::json& item);

// Every item of a table scan as a reviewed image; the first bad item's error.
Result<std::vector<ReviewedImage>> reviewed_images(const std::vector<nlohmann::json>& items);

// A number as DynamoDB's "N" text: the shortest decimal that reads back as the same double.
std::string dynamodb_number(double value);

// A vote's identity: the same (job, dataset object, worker, image index) always gives the same id.
std::string vote_id(const std::string& labeling_job_arn, const std::string& dataset_object_id,
                    const std::string& worker_id, std::size_t image_index);

// The votes for one image from one invocation, each with its id.
struct ImageVotes {
  BatchItem image;
  std::vector<std::string> confirm_ids;
  std::vector<std::string> disconfirm_ids;
};

// The most votes one add_votes_request carries. Its ConditionExpression grows by about 35 bytes
// and 3 operators (AND, NOT, contains) per vote; DynamoDB refuses an expression string over 4 KB
// and holds expressions to 300 operators: 80 votes make about 2.8 KB and 241 operators.
inline constexpr std::size_t kMaxVotesPerUpdate = 80;

// `votes` cut into parts of at most kMaxVotesPerUpdate votes each, confirmations first, for one
// add_votes_request each. Each part's condition covers exactly the ids it adds.
std::vector<ImageVotes> split_votes(const ImageVotes& votes);

// UpdateItem that adds the votes (at most kMaxVotesPerUpdate) to the counts and their ids to
// VoteIds, in one atomic request. DynamoDB refuses it (ConditionalCheckFailedException) when any
// of the votes was counted before or the item is missing; nothing is then changed.
nlohmann::json add_votes_request(const std::string& table, const ImageVotes& votes);

// The votes whose ids the item's VoteIds does not hold yet.
ImageVotes uncounted_votes(const ImageVotes& votes, const nlohmann::json& item);

}  // namespace bulkqa::functions
