#include "bulkqa/functions/vote_counter.hpp"

#include "bulkqa/aws/service_codes.hpp"
#include "bulkqa/util/log.hpp"

namespace bulkqa::functions {
namespace {

constexpr int kMaxVoteRounds = 6;

bool has_votes(const ImageVotes& votes) {
  return !votes.confirm_ids.empty() || !votes.disconfirm_ids.empty();
}

}  // namespace

VoteCounter::VoteCounter(aws::DynamoDbClient& dynamodb, std::string table)
    : dynamodb_(dynamodb), table_(std::move(table)) {}

void add_image_votes(const std::string& labeling_job_arn, const std::string& dataset_object_id,
                     const std::vector<ImageTally>& tallies, std::vector<ImageVotes>& votes) {
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

Status VoteCounter::apply_votes(std::vector<ImageVotes> votes) {
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

Status VoteCounter::apply_wave(std::vector<ImageVotes> pending) {
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
    for (const auto& image : pending) requests.push_back(add_votes_request(table_, image));
    auto answers = dynamodb_.call_all("UpdateItem", requests);
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

Result<std::vector<ImageVotes>> VoteCounter::remaining_votes(
    const std::vector<ImageVotes>& refused) {
  std::vector<nlohmann::json> reads;
  reads.reserve(refused.size());
  for (const auto& votes : refused) {
    reads.push_back({{"TableName", table_},
                     {"Key", image_key(votes.image.s3_image_url, votes.image.label)},
                     {"ConsistentRead", true}});
  }
  auto answers = dynamodb_.call_all("GetItem", reads);
  std::vector<ImageVotes> remaining;
  for (std::size_t i = 0; i < answers.size(); ++i) {
    if (!answers[i]) return answers[i].error();
    const BatchItem& image = refused[i].image;
    if (!answers[i]->contains("Item")) {
      return make_error(errc::kMissingItem, "no item in table '" + table_ + "' for image " +
                                                image.s3_image_url + " with label '" + image.label +
                                                "'");
    }
    ImageVotes uncounted = uncounted_votes(refused[i], (*answers[i])["Item"]);
    if (has_votes(uncounted)) remaining.push_back(std::move(uncounted));
  }
  return remaining;
}

}  // namespace bulkqa::functions
