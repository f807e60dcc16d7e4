// The report's definitions, pinned on hand-made images and bucket tables.
#include "bulkqa/report/report.hpp"

#include <cmath>
#include <limits>

#include <gtest/gtest.h>

#include "support/result_assertions.hpp"

namespace bulkqa {
namespace {

using testing::fails_with;

const std::vector<double> kDefaultEdges{80, 85, 90, 95, 100};

ReviewedImage image(const std::string& label, double confidence, std::size_t confirms,
                    std::size_t disconfirms) {
  static int serial = 0;
  return {"s3://bucket/" + label + "/" + std::to_string(++serial) + ".jpg", label, confidence,
          confirms, disconfirms};
}

ReviewedImage confirmed(const std::string& label, double confidence) {
  return image(label, confidence, 2, 0);
}
ReviewedImage disconfirmed(const std::string& label, double confidence) {
  return image(label, confidence, 0, 3);
}
ReviewedImage split(const std::string& label, double confidence) {
  return image(label, confidence, 1, 1);
}
ReviewedImage unreviewed(const std::string& label, double confidence) {
  return image(label, confidence, 0, 0);
}

Report report_of(const std::vector<ReviewedImage>& images, const ReportOptions& options = {}) {
  auto report = build_report(images, options);
  EXPECT_TRUE(report.ok()) << (report.ok() ? "" : report.error().message);
  return std::move(report).value();
}

// Buckets [low, high) with the given (incorrect, correct) counts, from the default edges.
std::vector<BucketStats> table(const std::vector<std::pair<std::size_t, std::size_t>>& counts) {
  std::vector<BucketStats> buckets;
  for (std::size_t at = 0; at < counts.size(); ++at) {
    const auto [incorrect, correct] = counts[at];
    buckets.push_back(
        {kDefaultEdges[at], kDefaultEdges[at + 1], incorrect + correct, incorrect, 0});
  }
  return buckets;
}

TEST(ReportBuckets, LowerEdgeIncludedUpperExcludedLastClosed) {
  EXPECT_EQ(bucket_index(kDefaultEdges, 80.0), 0u);
  EXPECT_EQ(bucket_index(kDefaultEdges, 84.999), 0u);
  EXPECT_EQ(bucket_index(kDefaultEdges, 85.0), 1u);
  EXPECT_EQ(bucket_index(kDefaultEdges, 94.9999999), 2u);
  EXPECT_EQ(bucket_index(kDefaultEdges, 95.0), 3u);
  EXPECT_EQ(bucket_index(kDefaultEdges, 100.0), 3u);
  EXPECT_EQ(bucket_index(kDefaultEdges, 79.999), std::nullopt);
  EXPECT_EQ(bucket_index(kDefaultEdges, 0.0), std::nullopt);
  EXPECT_EQ(bucket_index({50, 90}, 90.0), 0u);
  EXPECT_EQ(bucket_index({50, 90}, 90.5), std::nullopt);
}

TEST(ReportBuckets, ExactBoundariesLandInTheUpperBucket) {
  const Report report = report_of({confirmed("Crab", 85.0), disconfirmed("Crab", 100.0)});
  const auto& buckets = report.classes.at(0).buckets;
  ASSERT_EQ(buckets.size(), 4u);
  EXPECT_EQ(buckets[0].total, 0u);
  EXPECT_EQ(buckets[1].total, 1u);
  EXPECT_EQ(buckets[1].low, 85);
  EXPECT_EQ(buckets[1].high, 90);
  EXPECT_EQ(buckets[3].total, 1u);
  EXPECT_EQ(buckets[3].incorrect, 1u);
}

TEST(ReportClasses, CountsPerClassSortedByLabelOnReviewedImages) {
  const Report report =
      report_of({confirmed("Shrimp", 90), disconfirmed("Crab", 81), split("Crab", 96),
                 confirmed("Crab", 97), unreviewed("Crab", 99), confirmed("Crab", 98)});
  ASSERT_EQ(report.classes.size(), 2u);
  const ClassStats& crab = report.classes[0];
  EXPECT_EQ(crab.label, "Crab");
  EXPECT_EQ(crab.total, 4u);
  EXPECT_EQ(crab.confirmed, 2u);
  EXPECT_EQ(crab.disconfirmed, 1u);
  EXPECT_EQ(crab.split, 1u);
  EXPECT_EQ(crab.unreviewed, 1u);
  EXPECT_DOUBLE_EQ(*crab.percent_correct(), 50.0);
  EXPECT_EQ(crab.buckets[0].total, 1u);
  EXPECT_EQ(crab.buckets[0].incorrect, 1u);
  EXPECT_EQ(crab.buckets[3].total, 3u);
  EXPECT_EQ(crab.buckets[3].incorrect, 1u);  // the split one
  EXPECT_DOUBLE_EQ(*crab.buckets[3].percent_correct(), 200.0 / 3);
  EXPECT_EQ(report.classes[1].label, "Shrimp");
}

TEST(ReportClasses, ImageOutsideEveryBucketCountsInTotalsOnly) {
  const Report report = report_of({disconfirmed("Crab", 50), confirmed("Crab", 90)});
  const ClassStats& crab = report.classes.at(0);
  EXPECT_EQ(crab.total, 2u);
  EXPECT_EQ(crab.disconfirmed, 1u);
  std::size_t in_buckets = 0;
  for (const auto& bucket : crab.buckets) in_buckets += bucket.total;
  EXPECT_EQ(in_buckets, 1u);
  EXPECT_EQ(report.totals.total, 2u);
  EXPECT_DOUBLE_EQ(*report.totals.percent_correct(), 50.0);
}

TEST(ReportClasses, EmptyCellsHaveNoPercentNeverZero) {
  const Report report = report_of({confirmed("Crab", 97)});
  const BucketStats& empty = report.classes.at(0).buckets[0];
  EXPECT_EQ(empty.total, 0u);
  EXPECT_EQ(empty.percent_correct(), std::nullopt);
  EXPECT_EQ(empty.ci95(), std::nullopt);
  EXPECT_EQ(empty.mean_confidence(), std::nullopt);
}

TEST(ReportClasses, AllUnreviewedClassHasNoPercentAndNoCalibration) {
  const Report report =
      report_of({unreviewed("Anchor", 82), unreviewed("Anchor", 97), confirmed("Crab", 90)});
  const ClassStats& anchor = report.classes.at(0);
  EXPECT_EQ(anchor.label, "Anchor");
  EXPECT_EQ(anchor.total, 0u);
  EXPECT_EQ(anchor.unreviewed, 2u);
  EXPECT_EQ(anchor.percent_correct(), std::nullopt);
  EXPECT_EQ(anchor.ci95(), std::nullopt);
  EXPECT_EQ(anchor.ece, std::nullopt);
  for (const auto& bucket : anchor.buckets) EXPECT_EQ(bucket.percent_correct(), std::nullopt);
  // Every bucket is empty, hence acceptable: the walk reaches the lowest edge.
  EXPECT_EQ(anchor.threshold, 80.0);
  // Not part of the class average.
  EXPECT_DOUBLE_EQ(*report.class_average.percent_correct, 100.0);
}

TEST(ReportClasses, SingleImageClass) {
  const Report report = report_of({disconfirmed("Lobster", 96.5)});
  const ClassStats& lobster = report.classes.at(0);
  EXPECT_EQ(lobster.total, 1u);
  EXPECT_DOUBLE_EQ(*lobster.percent_correct(), 0.0);
  EXPECT_NEAR(lobster.ci95()->low, 0.0, 1e-9);
  EXPECT_NEAR(lobster.ci95()->high, 79.34506856227625, 1e-9);
  EXPECT_EQ(lobster.buckets[3].total, 1u);
  EXPECT_EQ(lobster.threshold, std::nullopt);  // the highest bucket fails
  EXPECT_NEAR(*lobster.ece, 0.965, 1e-12);     // confident and wrong
}

TEST(ReportTotals, TotalsRowOverAllImages) {
  const Report report = report_of({confirmed("Crab", 81), split("Shrimp", 86),
                                   unreviewed("Shrimp", 91), disconfirmed("Anchor", 99)});
  const ClassStats& totals = report.totals;
  EXPECT_EQ(totals.label, "TOTALS");
  EXPECT_EQ(totals.total, 3u);
  EXPECT_EQ(totals.confirmed, 1u);
  EXPECT_EQ(totals.disconfirmed, 1u);
  EXPECT_EQ(totals.split, 1u);
  EXPECT_EQ(totals.unreviewed, 1u);
  EXPECT_EQ(totals.buckets[0].total, 1u);
  EXPECT_EQ(totals.buckets[1].incorrect, 1u);
  EXPECT_EQ(totals.buckets[2].total, 0u);
  EXPECT_EQ(totals.buckets[3].incorrect, 1u);
  EXPECT_EQ(totals.threshold, std::nullopt);
}

TEST(ReportTotals, ClassAverageIsTheMeanOverNonEmptyCellsPerColumn) {
  const Report report =
      report_of({// A: 3 of 4 correct overall; 80-85 has 1 of 2.
                 confirmed("A", 81), disconfirmed("A", 82), confirmed("A", 96), confirmed("A", 97),
                 // B: 1 of 2 correct, both in 95-100.
                 confirmed("B", 95), split("B", 99),
                 // C: nothing reviewed.
                 unreviewed("C", 81)});
  const ClassAverage& average = report.class_average;
  EXPECT_DOUBLE_EQ(*average.percent_correct, (75.0 + 50.0) / 2);
  ASSERT_EQ(average.bucket_percent_correct.size(), 4u);
  EXPECT_DOUBLE_EQ(*average.bucket_percent_correct[0], 50.0);  // A alone
  EXPECT_EQ(average.bucket_percent_correct[1], std::nullopt);  // nobody
  EXPECT_EQ(average.bucket_percent_correct[2], std::nullopt);
  EXPECT_DOUBLE_EQ(*average.bucket_percent_correct[3], (100.0 + 50.0) / 2);
  // Not the pooled figure: the TOTALS row weighs classes by their size.
  EXPECT_DOUBLE_EQ(*report.totals.percent_correct(), 400.0 / 6);
}

TEST(ReportTotals, NoImagesGivesEmptyTotalsAndAverage) {
  const Report report = report_of({});
  EXPECT_TRUE(report.classes.empty());
  EXPECT_EQ(report.totals.percent_correct(), std::nullopt);
  EXPECT_EQ(report.class_average.percent_correct, std::nullopt);
  EXPECT_EQ(report.totals.ece, std::nullopt);
}

// Reference values from the closed form evaluated independently (Python, z = Φ⁻¹(0.975)).
TEST(ReportWilson, MatchesIndependentlyComputedIntervals) {
  struct Case {
    std::size_t successes, trials;
    double low, high;
  };
  for (const Case& c :
       {Case{8, 10, 49.01624715366418, 94.33178485456247}, Case{0, 10, 0.0, 27.753279986288916},
        Case{10, 10, 72.24672001371108, 100.0}, Case{1, 1, 20.654931437723747, 100.0},
        Case{1, 2, 9.453120573423075, 90.54687942657694},
        Case{81, 263, 25.528851987827426, 36.62095769828001}}) {
    const auto interval = wilson_interval(c.successes, c.trials);
    ASSERT_TRUE(interval.has_value());
    EXPECT_NEAR(interval->low, c.low, 1e-9) << c.successes << "/" << c.trials;
    EXPECT_NEAR(interval->high, c.high, 1e-9) << c.successes << "/" << c.trials;
  }
  EXPECT_EQ(wilson_interval(0, 0), std::nullopt);
}

TEST(ReportWilson, EveryPercentCarriesItsInterval) {
  const Report report =
      report_of({confirmed("Crab", 96), confirmed("Crab", 97), confirmed("Crab", 98),
                 confirmed("Crab", 99), disconfirmed("Crab", 81)});
  const ClassStats& crab = report.classes.at(0);
  EXPECT_EQ(crab.ci95(), wilson_interval(4, 5));
  EXPECT_EQ(crab.buckets[3].ci95(), wilson_interval(4, 4));
  EXPECT_EQ(crab.buckets[0].ci95(), wilson_interval(0, 1));
}

TEST(ReportThresholds, BucketWalkAllAcceptableGivesTheLowestEdge) {
  EXPECT_EQ(class_threshold(table({{0, 10}, {1, 10}, {0, 0}, {0, 30}}), 0.1,
                            ThresholdMethod::bucket_walk),
            80.0);
}

TEST(ReportThresholds, BucketWalkStopsAtTheFirstUnacceptableBucket) {
  // 95-100 fine, 90-95 fine (1 <= 0.1 * 10), 85-90 fails (2 > 1): trust from 90.
  EXPECT_EQ(class_threshold(table({{0, 10}, {2, 10}, {1, 10}, {0, 10}}), 0.1,
                            ThresholdMethod::bucket_walk),
            90.0);
  // A failing lower bucket below the first failure does not matter.
  EXPECT_EQ(
      class_threshold(table({{9, 1}, {0, 10}, {5, 5}, {0, 20}}), 0.1, ThresholdMethod::bucket_walk),
      95.0);
}

TEST(ReportThresholds, BucketWalkTreatsEmptyBucketsAsAcceptable) {
  EXPECT_EQ(
      class_threshold(table({{3, 3}, {0, 10}, {0, 0}, {0, 0}}), 0.1, ThresholdMethod::bucket_walk),
      85.0);
}

TEST(ReportThresholds, BucketWalkNoneWhenTheHighestBucketFails) {
  EXPECT_EQ(class_threshold(table({{0, 10}, {0, 10}, {0, 10}, {2, 10}}), 0.1,
                            ThresholdMethod::bucket_walk),
            std::nullopt);
}

TEST(ReportThresholds, RatioHoldsAtEquality) {
  EXPECT_TRUE(bucket_acceptable(table({{1, 10}})[0], 0.1));
  EXPECT_FALSE(bucket_acceptable(table({{2, 10}})[0], 0.1));
  // 0.29 * 100 is 28.999999999999996 in binary floating point.
  EXPECT_TRUE(bucket_acceptable(table({{29, 100}})[0], 0.29));
  EXPECT_FALSE(bucket_acceptable(table({{30, 100}})[0], 0.29));
  EXPECT_TRUE(bucket_acceptable(table({{0, 5}})[0], 0.0));
  EXPECT_FALSE(bucket_acceptable(table({{1, 500}})[0], 0.0));
  EXPECT_TRUE(bucket_acceptable(table({{0, 0}})[0], 0.0));
}

TEST(ReportThresholds, CumulativeTakesTheLowestQualifyingEdge) {
  // From 95: 0 <= 1; from 90: 0 <= 4; from 85: 2 <= 5; from 80: 2 <= 6. All qualify: 80, where
  // the bucket walk stops at 90 because 85-90 alone fails.
  const auto buckets = table({{0, 10}, {2, 10}, {0, 30}, {0, 10}});
  EXPECT_EQ(class_threshold(buckets, 0.1, ThresholdMethod::cumulative), 80.0);
  EXPECT_EQ(class_threshold(buckets, 0.1, ThresholdMethod::bucket_walk), 90.0);
}

TEST(ReportThresholds, CumulativeIsNotMonotoneAndKeepsTheLowest) {
  // From 95: 0 <= 2 yes; from 90: 4 <= 2.5 no; from 85: 4 <= 12.5 yes; from 80: 14 <= 13.5 no.
  EXPECT_EQ(class_threshold(table({{10, 10}, {0, 100}, {4, 5}, {0, 20}}), 0.1,
                            ThresholdMethod::cumulative),
            85.0);
}

TEST(ReportThresholds, CumulativeNoneWhenNoEdgeQualifies) {
  EXPECT_EQ(
      class_threshold(table({{5, 5}, {0, 0}, {0, 0}, {5, 5}}), 0.1, ThresholdMethod::cumulative),
      std::nullopt);
}

TEST(ReportThresholds, ComputedPerClassWithTheChosenMethod) {
  std::vector<ReviewedImage> images;
  for (int at = 0; at < 10; ++at) images.push_back(confirmed("Crab", 96));
  for (int at = 0; at < 10; ++at) images.push_back(confirmed("Crab", 86));
  images.push_back(disconfirmed("Crab", 86));
  images.push_back(disconfirmed("Crab", 87));
  for (int at = 0; at < 30; ++at) images.push_back(confirmed("Crab", 82));
  images.push_back(disconfirmed("Shrimp", 99));
  ReportOptions options;
  const Report walked = report_of(images, options);
  EXPECT_EQ(walked.classes.at(0).threshold, 90.0);
  EXPECT_EQ(walked.classes.at(1).threshold, std::nullopt);
  options.threshold_method = ThresholdMethod::cumulative;
  const Report cumulative = report_of(images, options);
  EXPECT_EQ(cumulative.classes.at(0).threshold, 80.0);
  EXPECT_EQ(cumulative.classes.at(1).threshold, std::nullopt);
  options.max_fp_ratio = 0.25;
  options.threshold_method = ThresholdMethod::bucket_walk;
  EXPECT_EQ(report_of(images, options).classes.at(0).threshold, 80.0);
}

TEST(ReportCalibration, ExpectedCalibrationErrorOverTheBuckets) {
  // 80-85: mean confidence 83, half correct: |0.5 - 0.83| = 0.33, weight 2/4.
  // 95-100: mean confidence 97, all correct: |1 - 0.97| = 0.03, weight 2/4.
  // Outside the buckets and unreviewed images do not count.
  const Report report =
      report_of({confirmed("Crab", 82), disconfirmed("Crab", 84), confirmed("Crab", 96),
                 confirmed("Crab", 98), disconfirmed("Crab", 40), unreviewed("Crab", 90)});
  const ClassStats& crab = report.classes.at(0);
  EXPECT_NEAR(*crab.ece, 0.5 * 0.33 + 0.5 * 0.03, 1e-12);
  EXPECT_DOUBLE_EQ(*crab.buckets[0].mean_confidence(), 83.0);
  EXPECT_DOUBLE_EQ(*crab.buckets[3].mean_confidence(), 97.0);
  EXPECT_NEAR(*report.totals.ece, *crab.ece, 1e-12);
}

TEST(ReportCalibration, PerfectlyCalibratedBucketsGiveZero) {
  std::vector<BucketStats> buckets = table({{1, 4}, {0, 0}, {0, 0}, {0, 0}});
  buckets[0].confidence_sum = 80 * 5;  // mean 80%, 4 of 5 correct
  EXPECT_NEAR(*expected_calibration_error(buckets), 0.0, 1e-12);
  EXPECT_EQ(expected_calibration_error(table({{0, 0}, {0, 0}})), std::nullopt);
}

TEST(ReportCalibration, OverallEceWeighsEveryImage) {
  const Report report = report_of({confirmed("A", 90), disconfirmed("B", 90)});
  EXPECT_NEAR(*report.classes[0].ece, 0.1, 1e-12);
  EXPECT_NEAR(*report.classes[1].ece, 0.9, 1e-12);
  EXPECT_NEAR(*report.totals.ece, 0.4, 1e-12);  // one bucket, half correct, mean 0.9
}

TEST(ReportOptionsTest, BucketEdgesParse) {
  auto edges = parse_bucket_edges("50, 80,90 ,100");
  ASSERT_TRUE(edges.ok()) << edges.error().message;
  EXPECT_EQ(*edges, (std::vector<double>{50, 80, 90, 100}));
  EXPECT_EQ(*parse_bucket_edges("82.5,100"), (std::vector<double>{82.5, 100}));
}

TEST(ReportOptionsTest, BadBucketEdgesNameTheEdge) {
  EXPECT_TRUE(
      fails_with(parse_bucket_edges("80,,90"), "InvalidOption", {"bucket edge 2", "not a number"}));
  EXPECT_TRUE(
      fails_with(parse_bucket_edges("80,85x"), "InvalidOption", {"bucket edge 2", "'85x'"}));
  EXPECT_TRUE(fails_with(parse_bucket_edges("80,90,85"), "InvalidOption",
                         {"bucket edge 3 (85)", "increase"}));
  EXPECT_TRUE(fails_with(parse_bucket_edges("80,80"), "InvalidOption", {"bucket edge 2"}));
  EXPECT_TRUE(fails_with(parse_bucket_edges("80"), "InvalidOption", {"at least two"}));
  EXPECT_TRUE(fails_with(parse_bucket_edges("80,101"), "InvalidOption",
                         {"bucket edge 2 (101)", "outside [0, 100]"}));
  EXPECT_TRUE(fails_with(parse_bucket_edges(""), "InvalidOption", {"bucket edge 1"}));
}

TEST(ReportOptionsTest, ThresholdMethodAndRatioAreChecked) {
  EXPECT_EQ(*parse_threshold_method("cumulative"), ThresholdMethod::cumulative);
  EXPECT_EQ(*parse_threshold_method("bucket-walk"), ThresholdMethod::bucket_walk);
  EXPECT_TRUE(fails_with(parse_threshold_method("walk"), "InvalidOption",
                         {"'walk'", "bucket-walk", "cumulative"}));
  ReportOptions options;
  options.max_fp_ratio = -0.1;
  EXPECT_TRUE(fails_with(build_report({}, options), "InvalidOption", {"false-positive ratio"}));
  options.max_fp_ratio = std::numeric_limits<double>::quiet_NaN();
  EXPECT_TRUE(fails_with(build_report({}, options), "InvalidOption", {"false-positive ratio"}));
  options = {};
  options.bucket_edges = {90, 80};
  EXPECT_TRUE(fails_with(build_report({}, options), "InvalidOption", {"bucket edge 2"}));
}

}  // namespace
}  // namespace bulkqa
