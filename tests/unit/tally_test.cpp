#include "bulkqa/qa/tally.hpp"

#include <gtest/gtest.h>

namespace bulkqa {
namespace {

using Workers = std::vector<std::string>;

std::vector<BatchItem> four_crabs() {
  return {{"s3://img/0.jpg", "Crab", 99},
          {"s3://img/1.jpg", "Crab", 95.5},
          {"s3://img/2.jpg", "Crab", 90},
          {"s3://img/3.jpg", "Crab", 85}};
}

TEST(Tally, OneEntryPerImageInBatchOrderWithStatuses) {
  const auto batch = four_crabs();
  const std::vector<WorkerVotes> workers{
      {"alice", {{0, true}, {1, false}, {2, true}}},
      {"bob", {{0, true}, {1, false}, {2, false}}},
  };
  const auto tallies = tally_batch(batch, workers);
  ASSERT_EQ(tallies.size(), 4u);
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(tallies[i].index, i);
    EXPECT_EQ(tallies[i].item, batch[i]);
  }
  EXPECT_EQ(tallies[0].confirm_workers, (Workers{"alice", "bob"}));
  EXPECT_TRUE(tallies[0].disconfirm_workers.empty());
  EXPECT_EQ(tallies[0].status(), ImageStatus::confirmed);
  EXPECT_EQ(tallies[1].disconfirm_workers, (Workers{"alice", "bob"}));
  EXPECT_EQ(tallies[1].status(), ImageStatus::disconfirmed);
  EXPECT_EQ(tallies[2].confirm_workers, (Workers{"alice"}));
  EXPECT_EQ(tallies[2].disconfirm_workers, (Workers{"bob"}));
  EXPECT_EQ(tallies[2].confirm_count(), 1u);
  EXPECT_EQ(tallies[2].disconfirm_count(), 1u);
  EXPECT_EQ(tallies[2].status(), ImageStatus::split);
  EXPECT_EQ(tallies[3].confirm_count(), 0u);
  EXPECT_EQ(tallies[3].disconfirm_count(), 0u);
  EXPECT_EQ(tallies[3].status(), ImageStatus::unreviewed);
}

TEST(Tally, AWorkerAppearingTwiceCountsOnceByTheFirstEntry) {
  const std::vector<WorkerVotes> workers{
      {"alice", {{0, true}, {1, true}}},
      {"bob", {{0, false}}},
      {"alice", {{0, false}, {1, false}, {2, false}}},
  };
  const auto tallies = tally_batch(four_crabs(), workers);
  EXPECT_EQ(tallies[0].confirm_workers, (Workers{"alice"}));
  EXPECT_EQ(tallies[0].disconfirm_workers, (Workers{"bob"}));
  EXPECT_EQ(tallies[1].confirm_workers, (Workers{"alice"}));
  EXPECT_TRUE(tallies[1].disconfirm_workers.empty());
  EXPECT_EQ(tallies[2].status(), ImageStatus::unreviewed);
}

TEST(Tally, RepeatedAndOutOfRangeVotesInOneEntryAreIgnored) {
  const std::vector<WorkerVotes> workers{{"carol", {{1, false}, {1, true}, {4, true}, {99, true}}}};
  const auto tallies = tally_batch(four_crabs(), workers);
  EXPECT_EQ(tallies[1].disconfirm_workers, (Workers{"carol"}));
  EXPECT_TRUE(tallies[1].confirm_workers.empty());
  for (const std::size_t i : {0u, 2u, 3u}) {
    EXPECT_EQ(tallies[i].status(), ImageStatus::unreviewed);
  }
}

TEST(Tally, NoWorkersLeavesEveryImageUnreviewed) {
  const auto tallies = tally_batch(four_crabs(), {});
  ASSERT_EQ(tallies.size(), 4u);
  for (const auto& tally : tallies) EXPECT_EQ(tally.status(), ImageStatus::unreviewed);
  EXPECT_TRUE(tally_batch({}, {{"alice", {{0, true}}}}).empty());
}

TEST(StatusName, EveryStatus) {
  EXPECT_EQ(status_name(ImageStatus::unreviewed), "unreviewed");
  EXPECT_EQ(status_name(ImageStatus::confirmed), "confirmed");
  EXPECT_EQ(status_name(ImageStatus::disconfirmed), "disconfirmed");
  EXPECT_EQ(status_name(ImageStatus::split), "split");
}

TEST(ConsolidatedContent, OneObjectPerImage) {
  const std::vector<WorkerVotes> workers{
      {"alice", {{0, true}, {2, true}}},
      {"bob", {{0, true}, {2, false}, {3, false}}},
  };
  const nlohmann::json content = consolidated_content(tally_batch(four_crabs(), workers));
  ASSERT_TRUE(content.is_array());
  ASSERT_EQ(content.size(), 4u);
  const nlohmann::json expected_first = {{"index", 0},
                                         {"s3_image_url", "s3://img/0.jpg"},
                                         {"label", "Crab"},
                                         {"confidence", 99.0},
                                         {"confirm_count", 2},
                                         {"disconfirm_count", 0},
                                         {"confirm_workers", {"alice", "bob"}},
                                         {"disconfirm_workers", nlohmann::json::array()},
                                         {"status", "confirmed"}};
  EXPECT_EQ(content[0], expected_first);
  EXPECT_EQ(content[1]["status"], "unreviewed");
  EXPECT_EQ(content[1]["confidence"], 95.5);
  EXPECT_EQ(content[1]["confirm_workers"], nlohmann::json::array());
  EXPECT_EQ(content[2]["status"], "split");
  EXPECT_EQ(content[2]["confirm_count"], 1);
  EXPECT_EQ(content[2]["disconfirm_workers"], nlohmann::json({"bob"}));
  EXPECT_EQ(content[3]["status"], "disconfirmed");
  EXPECT_EQ(content[3]["index"], 3);
  EXPECT_EQ(consolidated_content({}), nlohmann::json::array());
}

}  // namespace
}  // namespace bulkqa
