#include "bulkqa/qa/tally.hpp"

#include <unordered_set>

namespace bulkqa {

namespace {

void count_worker(const WorkerVotes& worker, std::vector<ImageTally>& tallies) {
  std::vector<bool> counted(tallies.size(), false);
  for (const Vote& vote : worker.votes) {
    if (vote.image_index >= tallies.size() || counted[vote.image_index]) continue;
    counted[vote.image_index] = true;
    ImageTally& tally = tallies[vote.image_index];
    (vote.confirmed ? tally.confirm_workers : tally.disconfirm_workers).push_back(worker.worker_id);
  }
}

}  // namespace

std::string_view status_name(ImageStatus status) {
  switch (status) {
    case ImageStatus::unreviewed:
      return "unreviewed";
    case ImageStatus::confirmed:
      return "confirmed";
    case ImageStatus::disconfirmed:
      return "disconfirmed";
    case ImageStatus::split:
      return "split";
  }
  return "unreviewed";
}

ImageStatus image_status(std::size_t confirm_count, std::size_t disconfirm_count) {
  if (confirm_count == 0) {
    return disconfirm_count == 0 ? ImageStatus::unreviewed : ImageStatus::disconfirmed;
  }
  return disconfirm_count == 0 ? ImageStatus::confirmed : ImageStatus::split;
}

ImageStatus ImageTally::status() const {
  return image_status(confirm_count(), disconfirm_count());
}

std::vector<ImageTally> tally_batch(const std::vector<BatchItem>& batch,
                                    const std::vector<WorkerVotes>& workers) {
  std::vector<ImageTally> tallies;
  tallies.reserve(batch.size());
  for (std::size_t index = 0; index < batch.size(); ++index) {
    tallies.push_back(ImageTally{index, batch[index], {}, {}});
  }
  std::unordered_set<std::string_view> seen_workers;
  for (const WorkerVotes& worker : workers) {
    if (seen_workers.insert(worker.worker_id).second) count_worker(worker, tallies);
  }
  return tallies;
}

nlohmann::json consolidated_content(const std::vector<ImageTally>& tallies) {
  nlohmann::json images = nlohmann::json::array();
  for (const ImageTally& tally : tallies) {
    images.push_back({{"index", tally.index},
                      {"s3_image_url", tally.item.s3_image_url},
                      {"label", tally.item.label},
                      {"confidence", tally.item.confidence},
                      {"confirm_count", tally.confirm_count()},
                      {"disconfirm_count", tally.disconfirm_count()},
                      {"confirm_workers", tally.confirm_workers},
                      {"disconfirm_workers", tally.disconfirm_workers},
                      {"status", status_name(tally.status())}});
  }
  return images;
}

}  // namespace bulkqa
