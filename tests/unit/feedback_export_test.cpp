// The feedback exports: the confirmed training set, the images to relabel, the label categories.
#include "bulkqa/report/feedback_export.hpp"

#include <sstream>

#include <gtest/gtest.h>

namespace bulkqa {
namespace {

std::vector<nlohmann::json> json_lines(const std::string& text) {
  std::vector<nlohmann::json> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(nlohmann::json::parse(line));
  return lines;
}

std::vector<ReviewedImage> sample_images() {
  return {{"s3://b/shrimp1.jpg", "Shrimp", 97, 3, 0},  // confirmed
          {"s3://b/crab2.jpg", "Crab", 91, 1, 0},      // confirmed
          {"s3://b/crab1.jpg", "Crab", 85.5, 2, 0},    // confirmed
          {"s3://b/crab3.jpg", "Crab", 99, 0, 2},      // disconfirmed
          {"s3://b/crab4.jpg", "Crab", 95, 1, 1},      // split
          {"s3://b/crab5.jpg", "Crab", 88, 0, 0},      // unreviewed
          {"s3://b/anchor1.jpg", "Anchor", 82, 0, 0},  // unreviewed: its label still counts
          // Rejected as Lobster but confirmed as Crab: settled, not relabeled.
          {"s3://b/crab2.jpg", "Lobster", 80, 0, 1},
          // Rejected under two labels: relabeled once.
          {"s3://b/odd.jpg", "Crab", 90, 0, 1},
          {"s3://b/odd.jpg", "Shrimp", 90, 1, 2}};
}

TEST(FeedbackExport, LabelsOfTheWholeCorpusSorted) {
  EXPECT_EQ(corpus_labels(sample_images()),
            (std::vector<std::string>{"Anchor", "Crab", "Lobster", "Shrimp"}));
}

TEST(FeedbackExport, ConfirmedManifestIsAnAugmentedManifest) {
  const auto lines = json_lines(confirmed_manifest(sample_images()));
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0]["source-ref"], "s3://b/crab1.jpg");
  EXPECT_EQ(lines[0]["label"], 1);  // Crab in Anchor, Crab, Lobster, Shrimp
  EXPECT_EQ(lines[0]["label-metadata"]["class-name"], "Crab");
  EXPECT_DOUBLE_EQ(lines[0]["label-metadata"]["confidence"].get<double>(), 0.855);
  EXPECT_EQ(lines[0]["label-metadata"]["type"], "groundtruth/image-classification");
  EXPECT_EQ(lines[0]["label-metadata"]["human-annotated"], "yes");
  EXPECT_EQ(lines[0]["label-metadata"]["confirm-count"], 2);
  EXPECT_EQ(lines[1]["source-ref"], "s3://b/crab2.jpg");
  EXPECT_EQ(lines[2]["source-ref"], "s3://b/shrimp1.jpg");
  EXPECT_EQ(lines[2]["label"], 3);
  EXPECT_EQ(lines[2]["label-metadata"]["class-name"], "Shrimp");
}

TEST(FeedbackExport, RelabelManifestHoldsRejectedImagesOnce) {
  const auto lines = json_lines(relabel_manifest(sample_images()));
  std::vector<std::string> refs;
  for (const auto& line : lines) {
    EXPECT_EQ(line.size(), 1u) << line;
    refs.push_back(line["source-ref"]);
  }
  EXPECT_EQ(refs,
            (std::vector<std::string>{"s3://b/crab3.jpg", "s3://b/crab4.jpg", "s3://b/odd.jpg"}));
}

TEST(FeedbackExport, LabelCategoriesFile) {
  EXPECT_EQ(label_categories(sample_images()), nlohmann::json::parse(R"({
    "document-version": "2018-11-28",
    "labels": [{"label": "Anchor"}, {"label": "Crab"}, {"label": "Lobster"}, {"label": "Shrimp"}]
  })"));
}

TEST(FeedbackExport, NothingReviewedGivesEmptyManifests) {
  const std::vector<ReviewedImage> images{{"s3://b/1.jpg", "Crab", 90, 0, 0}};
  EXPECT_EQ(confirmed_manifest(images), "");
  EXPECT_EQ(relabel_manifest(images), "");
  EXPECT_EQ(label_categories(images)["labels"].size(), 1u);
}

}  // namespace
}  // namespace bulkqa
