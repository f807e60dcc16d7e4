// The image table's items: key (s3_image_url, label), confidence, and the vote counts
// WorkerConfirmCount / WorkerDisconfirmCount with the set VoteIds of the votes already counted.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "bulkqa/batching.hpp"

namespace bulkqa::functions {

// DynamoDB's key of the item for one image.
nlohmann::json image_key(const std::string& s3_image_url, const std::string& label);

// The item launch writes for an image, with no votes yet.
nlohmann::json image_item(const BatchItem& item);

// A number as DynamoDB's "N" text: the shortest decimal that reads back as the same double.
std::string dynamodb_number(double value);

// A vote's identity: the same (job, dataset object, worker, image index) always gives the same id.
std::string vote_id(const std::string& labeling_job_arn, const std::string& dataset_object_id,
                    const std::string& worker_id, std::size_t image_index);

// UpdateItem that adds one vote and records its id, in one atomic request. DynamoDB refuses it
// (ConditionalCheckFailedException) when the vote was counted before or the item is missing.
nlohmann::json add_vote_request(const std::string& table, const BatchItem& image, bool confirmed,
                                const std::string& vote_id);

}  // namespace bulkqa::functions
