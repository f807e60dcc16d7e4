// The analysis of the reviews: accuracy per class and per confidence bucket with 95% Wilson score
// intervals, the confidence threshold each class needs, and calibration.
//
// Definitions:
// - An image's status comes from its votes (image_status): confirmed, disconfirmed, split or
//   unreviewed. Reviewed images are the ones with votes; incorrect = disconfirmed + split.
// - Buckets come from increasing edges: 80,85,90,95,100 give [80,85), [85,90), [90,95),
//   [95,100], the last one closed. An image outside every bucket counts in its class's totals only.
// - %Correct = confirmed / reviewed, overall and per bucket; empty (nullopt) when nothing was
//   reviewed, never 0%.
// - Thresholds for a maximum ratio r of false to true positives: see ThresholdMethod.
// - Calibration: the expected calibration error of confidence/100 against observed correctness
//   over the buckets, sum over buckets of (images in bucket / images in buckets) * |observed
//   fraction correct - mean confidence/100|, with the per-bucket points of a reliability diagram.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bulkqa/qa/reviewed_image.hpp"
#include "bulkqa/util/error.hpp"

namespace bulkqa {

enum class ThresholdMethod {
  // From the highest bucket down while buckets are acceptable (incorrect <= r * correct; an empty
  // bucket is acceptable): the upper edge of the first unacceptable bucket, the lowest edge when
  // all are acceptable, none when the highest bucket already fails.
  bucket_walk,
  // The lowest bucket (lower) edge t such that, over the buckets from t up (every image with
  // confidence >= t when the last edge is 100), incorrect <= r * correct; none when no edge does.
  cumulative,
};

// "bucket-walk", "cumulative".
std::string_view threshold_method_name(ThresholdMethod method);
// Errors (code "InvalidOption") name the accepted values.
Result<ThresholdMethod> parse_threshold_method(std::string_view text);

struct ReportOptions {
  std::vector<double> bucket_edges{80, 85, 90, 95, 100};
  double max_fp_ratio = 0.1;  // false positives per true positive: 0.1 is 1:10
  ThresholdMethod threshold_method = ThresholdMethod::bucket_walk;
};

// "80,85,90,95,100": at least two finite numbers in [0, 100], strictly increasing. Errors (code
// "InvalidOption") name the edge at fault.
Result<std::vector<double>> parse_bucket_edges(std::string_view text);
// The edges as parse_bucket_edges checks them, and a finite, non-negative max_fp_ratio.
Status validate_report_options(const ReportOptions& options);

// A two-sided interval of percentages.
struct Interval {
  double low = 0;
  double high = 0;
  bool operator==(const Interval&) const = default;
};

// The 95% Wilson score interval of successes / trials, in percent; nullopt when trials is 0.
std::optional<Interval> wilson_interval(std::size_t successes, std::size_t trials);

// The bucket an image of this confidence falls in: [edge[i], edge[i+1]), the last one closed;
// nullopt outside every bucket.
std::optional<std::size_t> bucket_index(const std::vector<double>& edges, double confidence);

struct BucketStats {
  double low = 0;
  double high = 0;
  std::size_t total = 0;  // reviewed images in the bucket
  std::size_t incorrect = 0;
  double confidence_sum = 0;  // of the reviewed images, for their mean

  std::size_t correct() const { return total - incorrect; }
  std::optional<double> percent_correct() const;
  std::optional<Interval> ci95() const;
  std::optional<double> mean_confidence() const;  // percent
};

struct ClassStats {
  std::string label;
  std::size_t total = 0;  // reviewed images
  std::size_t confirmed = 0;
  std::size_t disconfirmed = 0;
  std::size_t split = 0;
  std::size_t unreviewed = 0;
  std::vector<BucketStats> buckets;  // one per bucket, in edge order
  std::optional<double> threshold;   // nullopt: none (or, on the totals, not computed)
  std::optional<double> ece;         // nullopt when no reviewed image falls in a bucket

  std::optional<double> percent_correct() const;
  std::optional<Interval> ci95() const;
};

// The mean of the classes' %Correct, per column, over the classes whose cell is not empty.
struct ClassAverage {
  std::optional<double> percent_correct;
  std::vector<std::optional<double>> bucket_percent_correct;  // one per bucket
};

struct Report {
  ReportOptions options;
  std::vector<ClassStats> classes;  // sorted by label
  ClassStats totals;                // label "TOTALS", over all images; no threshold
  ClassAverage class_average;
};

// The report over `images`; errors (code "InvalidOption") when the options are invalid.
Result<Report> build_report(const std::vector<ReviewedImage>& images,
                            const ReportOptions& options = {});

// Whether a bucket's incorrect <= max_fp_ratio * correct (an empty bucket is acceptable).
bool bucket_acceptable(const BucketStats& bucket, double max_fp_ratio);

// The threshold for one class's buckets (in edge order) under `method`.
std::optional<double> class_threshold(const std::vector<BucketStats>& buckets, double max_fp_ratio,
                                      ThresholdMethod method);

// The expected calibration error over the buckets; nullopt when they hold no reviewed image.
std::optional<double> expected_calibration_error(const std::vector<BucketStats>& buckets);

}  // namespace bulkqa
