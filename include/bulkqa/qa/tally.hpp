// Counting reviewers' votes per image of one batch, and the consolidated annotation written back
// to Ground Truth.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "bulkqa/qa/batching.hpp"
#include "bulkqa/qa/ground_truth.hpp"

namespace bulkqa {

enum class ImageStatus {
  unreviewed,    // no votes
  confirmed,     // every vote confirms the label
  disconfirmed,  // every vote rejects it
  split,         // votes both ways
};

// "unreviewed", "confirmed", "disconfirmed", "split".
std::string_view status_name(ImageStatus status);

// The status that an image's confirm and disconfirm counts give it.
ImageStatus image_status(std::size_t confirm_count, std::size_t disconfirm_count);

struct ImageTally {
  std::size_t index;  // position in the batch
  BatchItem item;
  std::vector<std::string> confirm_workers;  // in the order the workers' answers came
  std::vector<std::string> disconfirm_workers;

  std::size_t confirm_count() const { return confirm_workers.size(); }
  std::size_t disconfirm_count() const { return disconfirm_workers.size(); }
  ImageStatus status() const;
};

struct WorkerVotes {
  std::string worker_id;
  std::vector<Vote> votes;
};

// One tally per image, in batch order. Each worker counts at most once per image: when a worker
// id appears in several WorkerVotes, only its first entry is counted (Ground Truth may deliver
// the same answer again on a retry, and a later entry is not more authoritative), and within an
// entry only the first vote for an image counts. Votes for indices outside the batch are ignored.
std::vector<ImageTally> tally_batch(const std::vector<BatchItem>& batch,
                                    const std::vector<WorkerVotes>& workers);

// [{"index", "s3_image_url", "label", "confidence", "confirm_count", "disconfirm_count",
//   "confirm_workers", "disconfirm_workers", "status"}, ...] in batch order.
nlohmann::json consolidated_content(const std::vector<ImageTally>& tallies);

}  // namespace bulkqa
