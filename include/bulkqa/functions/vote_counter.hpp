// Counting votes in the image table exactly once, for every reviewer's answers wherever they come
// from: Ground Truth's consolidation requests (post-labeling) and the review portal's stored
// answers. A vote's id (vote_id: job, dataset object, worker, image index) is the same however
// often its answer is delivered, and the table keeps the ids it counted.
#pragma once

#include <string>
#include <vector>

#include "bulkqa/aws/dynamodb.hpp"
#include "bulkqa/functions/image_table.hpp"
#include "bulkqa/qa/tally.hpp"
#include "bulkqa/util/error.hpp"

namespace bulkqa::functions {

// The votes of each image of `tallies`, each with its id under (labeling_job_arn,
// dataset_object_id), added to `votes`, so the table gets exactly what the answers report.
void add_image_votes(const std::string& labeling_job_arn, const std::string& dataset_object_id,
                     const std::vector<ImageTally>& tallies, std::vector<ImageVotes>& votes);

class VoteCounter {
 public:
  // `dynamodb` must outlive the counter; `table` is the image table.
  VoteCounter(aws::DynamoDbClient& dynamodb, std::string table);

  // Counts every vote not counted yet: an image's votes in parts of at most kMaxVotesPerUpdate,
  // the k-th part of every image in the k-th wave. Applying the same votes again changes nothing.
  Status apply_votes(std::vector<ImageVotes> votes);

 private:
  // One wave, at most one part per image, in rounds of concurrent conditional updates.
  Status apply_wave(std::vector<ImageVotes> pending);
  // Of the votes whose updates were refused, those the items don't hold yet.
  Result<std::vector<ImageVotes>> remaining_votes(const std::vector<ImageVotes>& refused);

  aws::DynamoDbClient& dynamodb_;
  std::string table_;
};

}  // namespace bulkqa::functions
