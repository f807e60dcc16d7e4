#include "bulkqa/qa/launch_plan.hpp"

#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace bulkqa {
namespace {

ImagePlacement copying() {
  return {"stack", "source", "images/", true};
}

CompactCorpus corpus_of(const std::vector<std::pair<std::string, std::string>>& path_labels) {
  CompactCorpus corpus;
  std::size_t line = 2;
  for (const auto& [path, label] : path_labels) corpus.add(path, label, 90, line++);
  return corpus;
}

std::vector<std::string> urls_of(const Batch& batch) {
  std::vector<std::string> urls;
  for (const auto& item : batch.items) urls.push_back(item.s3_image_url);
  return urls;
}

TEST(LaunchPlan, GroupsByLabelInFirstAppearanceOrderAndCutsRemainders) {
  // Interleaved labels: 7 Crab, 3 Lobster, 5 Shrimp.
  std::vector<std::pair<std::string, std::string>> rows;
  for (int i = 0; i < 7; ++i) rows.emplace_back("crab" + std::to_string(i) + ".jpg", "Crab");
  rows.insert(rows.begin() + 2, {"lob0.jpg", "Lobster"});
  rows.insert(rows.begin() + 1, {"shr0.jpg", "Shrimp"});
  rows.emplace_back("lob1.jpg", "Lobster");
  for (int i = 1; i < 5; ++i) rows.emplace_back("shr" + std::to_string(i) + ".jpg", "Shrimp");
  rows.emplace_back("lob2.jpg", "Lobster");
  const CompactCorpus corpus = corpus_of(rows);

  const LaunchPlan plan(corpus, copying(), 3);
  ASSERT_EQ(plan.batch_count(), 3u + 1u + 2u);
  const std::vector<std::string> labels{"Crab", "Crab", "Crab", "Shrimp", "Shrimp", "Lobster"};
  for (std::size_t i = 0; i < plan.batch_count(); ++i) {
    const Batch batch = plan.batch(i);
    EXPECT_EQ(batch.sequence, i);
    EXPECT_EQ(batch.label, labels[i]) << "batch " << i;
    EXPECT_EQ(plan.batch_key(i), batch_object_key(batch));
    for (const auto& entry : batch.items) EXPECT_EQ(entry.label, batch.label);
  }
  EXPECT_EQ(urls_of(plan.batch(0)),
            (std::vector<std::string>{"s3://stack/crab0.jpg", "s3://stack/crab1.jpg",
                                      "s3://stack/crab2.jpg"}));
  EXPECT_EQ(urls_of(plan.batch(2)), (std::vector<std::string>{"s3://stack/crab6.jpg"}));
  EXPECT_EQ(plan.batch(3).items.size(), 3u);
  EXPECT_EQ(urls_of(plan.batch(4)),
            (std::vector<std::string>{"s3://stack/shr3.jpg", "s3://stack/shr4.jpg"}));
  EXPECT_EQ(urls_of(plan.batch(5)),
            (std::vector<std::string>{"s3://stack/lob0.jpg", "s3://stack/lob1.jpg",
                                      "s3://stack/lob2.jpg"}));
}

TEST(LaunchPlan, AnExactMultipleHasNoEmptyBatch) {
  const CompactCorpus corpus = corpus_of({{"1", "Dog"}, {"2", "Dog"}, {"3", "Dog"}, {"4", "Dog"}});
  const LaunchPlan plan(corpus, copying(), 2);
  ASSERT_EQ(plan.batch_count(), 2u);
  EXPECT_EQ(plan.batch(1).items.size(), 2u);
}

TEST(LaunchPlan, NoRowsNoWrites) {
  const CompactCorpus corpus;
  const LaunchPlan plan(corpus, copying(), 25);
  EXPECT_EQ(plan.batch_count(), 0u);
  EXPECT_EQ(plan.item_count(), 0u);
  EXPECT_EQ(plan.copy_count(), 0u);
}

TEST(LaunchPlan, ZeroSizeIsACallerBug) {
  const CompactCorpus corpus = corpus_of({{"a", "Dog"}});
  EXPECT_THROW(LaunchPlan(corpus, copying(), 0), std::invalid_argument);
}

TEST(LaunchPlan, LabelsLeftOutByTheMinimumConfidenceDoNotSetTheOrder) {
  CompactCorpus corpus;
  corpus.add("a.jpg", "Crab", 10, 2);  // left out below
  corpus.add("b.jpg", "Shrimp", 95, 3);
  corpus.add("c.jpg", "Crab", 95, 4);
  corpus.keep_min_confidence(50);
  const LaunchPlan plan(corpus, copying(), 25);
  ASSERT_EQ(plan.batch_count(), 2u);
  EXPECT_EQ(plan.batch(0).label, "Shrimp");
  EXPECT_EQ(urls_of(plan.batch(1)), std::vector<std::string>{"s3://stack/c.jpg"});
}

TEST(LaunchPlan, CopiesEachImageOnceWhateverItsLabels) {
  const CompactCorpus corpus =
      corpus_of({{"b.jpg", "Crab"}, {"a.jpg", "Crab"}, {"b.jpg", "Shrimp"}});
  const LaunchPlan plan(corpus, copying(), 25);
  ASSERT_EQ(plan.copy_count(), 2u);
  using Copy = std::pair<std::string, std::string>;  // (source key, key in the stack bucket)
  EXPECT_EQ(plan.copy(0), Copy("images/a.jpg", "a.jpg"));
  EXPECT_EQ(plan.copy(1), Copy("images/b.jpg", "b.jpg"));
  EXPECT_EQ(plan.item_count(), 3u);
  EXPECT_EQ(plan.item(2), (BatchItem{"s3://stack/b.jpg", "Shrimp", 90}));
}

TEST(LaunchPlan, ImagesInPlaceNameTheSourceAndCopyNothing) {
  const CompactCorpus corpus = corpus_of({{"crab/1.jpg", "Crab"}, {"crab/2.jpg", "Crab"}});
  const LaunchPlan plan(corpus, {"stack", "source", "images/", false}, 25);
  EXPECT_EQ(plan.copy_count(), 0u);
  EXPECT_EQ(urls_of(plan.batch(0)), (std::vector<std::string>{"s3://source/images/crab/1.jpg",
                                                              "s3://source/images/crab/2.jpg"}));
  EXPECT_EQ(plan.item(1).s3_image_url, "s3://source/images/crab/2.jpg");
}

TEST(LaunchWriteOrder, GivesEveryWriteOnceEachKindInItsShareAllAlong) {
  const std::map<LaunchWrite, std::size_t> totals{{LaunchWrite::kCopyImage, 900},
                                                  {LaunchWrite::kPutBatch, 40},
                                                  {LaunchWrite::kWriteItem, 1000}};
  LaunchWriteOrder order(900, 40, 1000);
  std::map<LaunchWrite, std::size_t> given;
  std::size_t all = 0;
  while (const auto write = order.next()) {
    // Indexes of a kind come in order, from 0.
    EXPECT_EQ(write->second, given[write->first]++);
    ++all;
    for (const auto& [kind, total] : totals) {
      const double share = static_cast<double>(total) * static_cast<double>(all) / 1940.0;
      // Within one write of each of the three kinds.
      EXPECT_LE(std::abs(static_cast<double>(given[kind]) - share), 3.0)
          << "after " << all << " writes";
    }
  }
  EXPECT_EQ(all, 1940u);
  EXPECT_EQ(given, totals);
}

TEST(LaunchWriteOrder, KindsWithNothingToDoAreSkipped) {
  LaunchWriteOrder order(0, 2, 0);
  EXPECT_EQ(order.next(), std::pair(LaunchWrite::kPutBatch, std::size_t{0}));
  EXPECT_EQ(order.next(), std::pair(LaunchWrite::kPutBatch, std::size_t{1}));
  EXPECT_EQ(order.next(), std::nullopt);
}

}  // namespace
}  // namespace bulkqa
