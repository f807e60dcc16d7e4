#include "bulkqa/report/report.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include "bulkqa/util/text.hpp"

namespace bulkqa {

namespace {

// The standard normal quantile for a two-sided 95% interval.
constexpr double kZ95 = 1.959963984540054;

// Products like 0.29 * 100 come out a hair below the whole number they stand for; this slack
// keeps "incorrect <= r * correct" true at equality.
constexpr double kRatioSlack = 1e-9;

Error option_error(std::string message) {
  return make_error(errc::kInvalidOption, std::move(message));
}

std::optional<double> percent(std::size_t part, std::size_t whole) {
  if (whole == 0) return std::nullopt;
  return 100.0 * static_cast<double>(part) / static_cast<double>(whole);
}

std::string edge_text(std::size_t position, std::string_view text) {
  return "bucket edge " + std::to_string(position + 1) + " (" + quote_value(text) + ")";
}

Status check_edges(const std::vector<double>& edges) {
  if (edges.size() < 2) {
    return option_error("bucket edges: need at least two edges, found " +
                        std::to_string(edges.size()));
  }
  for (std::size_t at = 0; at < edges.size(); ++at) {
    const std::string position =
        "bucket edge " + std::to_string(at + 1) + " (" + shortest_decimal(edges[at]) + ")";
    if (!std::isfinite(edges[at]) || edges[at] < 0 || edges[at] > 100) {
      return option_error(position + " is outside [0, 100]");
    }
    if (at > 0 && !(edges[at] > edges[at - 1])) {
      return option_error(position + " is not above the edge before it: edges must increase");
    }
  }
  return {};
}

bool within_ratio(std::size_t incorrect, std::size_t correct, double max_fp_ratio) {
  return static_cast<double>(incorrect) <=
         max_fp_ratio * static_cast<double>(correct) + kRatioSlack;
}

ClassStats empty_stats(std::string label, const std::vector<double>& edges) {
  ClassStats stats;
  stats.label = std::move(label);
  for (std::size_t at = 0; at + 1 < edges.size(); ++at) {
    stats.buckets.push_back(BucketStats{edges[at], edges[at + 1], 0, 0, 0});
  }
  return stats;
}

void add_image(ClassStats& stats, const ReviewedImage& image, const std::vector<double>& edges) {
  const ImageStatus status = image.status();
  if (status == ImageStatus::unreviewed) {
    ++stats.unreviewed;
    return;
  }
  ++stats.total;
  const bool correct = status == ImageStatus::confirmed;
  if (correct) {
    ++stats.confirmed;
  } else if (status == ImageStatus::disconfirmed) {
    ++stats.disconfirmed;
  } else {
    ++stats.split;
  }
  const std::optional<std::size_t> bucket = bucket_index(edges, image.confidence);
  if (!bucket) return;
  BucketStats& cell = stats.buckets[*bucket];
  ++cell.total;
  if (!correct) ++cell.incorrect;
  cell.confidence_sum += image.confidence;
}

std::optional<double> mean_of_present(const std::vector<std::optional<double>>& values) {
  double sum = 0;
  std::size_t count = 0;
  for (const auto& value : values) {
    if (!value) continue;
    sum += *value;
    ++count;
  }
  if (count == 0) return std::nullopt;
  return sum / static_cast<double>(count);
}

ClassAverage class_average(const std::vector<ClassStats>& classes, std::size_t bucket_count) {
  ClassAverage average;
  std::vector<std::optional<double>> column;
  for (const auto& stats : classes) column.push_back(stats.percent_correct());
  average.percent_correct = mean_of_present(column);
  for (std::size_t bucket = 0; bucket < bucket_count; ++bucket) {
    column.clear();
    for (const auto& stats : classes) column.push_back(stats.buckets[bucket].percent_correct());
    average.bucket_percent_correct.push_back(mean_of_present(column));
  }
  return average;
}

}  // namespace

std::string_view threshold_method_name(ThresholdMethod method) {
  return method == ThresholdMethod::cumulative ? "cumulative" : "bucket-walk";
}

Result<ThresholdMethod> parse_threshold_method(std::string_view text) {
  if (text == "bucket-walk") return ThresholdMethod::bucket_walk;
  if (text == "cumulative") return ThresholdMethod::cumulative;
  return option_error("threshold method " + quote_value(text) +
                      " is neither 'bucket-walk' nor 'cumulative'");
}

Result<std::vector<double>> parse_bucket_edges(std::string_view text) {
  std::vector<double> edges;
  for (std::size_t start = 0;;) {
    const std::size_t comma = std::min(text.find(',', start), text.size());
    const std::string_view field = text.substr(start, comma - start);
    const std::optional<double> edge = parse_finite_number(trim_blanks(field));
    if (!edge) return option_error(edge_text(edges.size(), field) + " is not a number");
    edges.push_back(*edge);
    if (comma == text.size()) break;
    start = comma + 1;
  }
  if (Status checked = check_edges(edges); !checked) return checked.error();
  return edges;
}

Status validate_report_options(const ReportOptions& options) {
  if (Status checked = check_edges(options.bucket_edges); !checked) return checked;
  if (!std::isfinite(options.max_fp_ratio) || options.max_fp_ratio < 0) {
    return option_error("the maximum false-positive ratio must be a finite number >= 0");
  }
  return {};
}

std::optional<Interval> wilson_interval(std::size_t successes, std::size_t trials) {
  if (trials == 0) return std::nullopt;
  const double n = static_cast<double>(trials);
  const double p = static_cast<double>(successes) / n;
  const double z2 = kZ95 * kZ95;
  const double denominator = 1 + z2 / n;
  const double center = (p + z2 / (2 * n)) / denominator;
  const double half_width = kZ95 * std::sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denominator;
  return Interval{100 * std::max(0.0, center - half_width),
                  100 * std::min(1.0, center + half_width)};
}

std::optional<std::size_t> bucket_index(const std::vector<double>& edges, double confidence) {
  for (std::size_t at = 0; at + 1 < edges.size(); ++at) {
    const bool last = at + 2 == edges.size();
    if (confidence >= edges[at] &&
        (confidence < edges[at + 1] || (last && confidence == edges[at + 1]))) {
      return at;
    }
  }
  return std::nullopt;
}

std::optional<double> BucketStats::percent_correct() const {
  return percent(correct(), total);
}

std::optional<Interval> BucketStats::ci95() const {
  return wilson_interval(correct(), total);
}

std::optional<double> BucketStats::mean_confidence() const {
  if (total == 0) return std::nullopt;
  return confidence_sum / static_cast<double>(total);
}

std::optional<double> ClassStats::percent_correct() const {
  return percent(confirmed, total);
}

std::optional<Interval> ClassStats::ci95() const {
  return wilson_interval(confirmed, total);
}

bool bucket_acceptable(const BucketStats& bucket, double max_fp_ratio) {
  return within_ratio(bucket.incorrect, bucket.correct(), max_fp_ratio);
}

std::optional<double> class_threshold(const std::vector<BucketStats>& buckets, double max_fp_ratio,
                                      ThresholdMethod method) {
  if (buckets.empty()) return std::nullopt;
  if (method == ThresholdMethod::bucket_walk) {
    for (std::size_t at = buckets.size(); at-- > 0;) {
      if (bucket_acceptable(buckets[at], max_fp_ratio)) continue;
      if (at + 1 == buckets.size()) return std::nullopt;
      return buckets[at].high;
    }
    return buckets.front().low;
  }
  std::size_t incorrect = 0;
  std::size_t correct = 0;
  std::optional<double> lowest;
  for (std::size_t at = buckets.size(); at-- > 0;) {
    incorrect += buckets[at].incorrect;
    correct += buckets[at].correct();
    if (within_ratio(incorrect, correct, max_fp_ratio)) lowest = buckets[at].low;
  }
  return lowest;
}

std::optional<double> expected_calibration_error(const std::vector<BucketStats>& buckets) {
  std::size_t images = 0;
  for (const auto& bucket : buckets) images += bucket.total;
  if (images == 0) return std::nullopt;
  double error = 0;
  for (const auto& bucket : buckets) {
    if (bucket.total == 0) continue;
    const double observed = static_cast<double>(bucket.correct()) / bucket.total;
    const double expected = *bucket.mean_confidence() / 100;
    error += static_cast<double>(bucket.total) / images * std::abs(observed - expected);
  }
  return error;
}

Result<Report> build_report(const std::vector<ReviewedImage>& images,
                            const ReportOptions& options) {
  if (Status valid = validate_report_options(options); !valid) return valid.error();
  const std::vector<double>& edges = options.bucket_edges;
  std::map<std::string, ClassStats> by_label;
  Report report;
  report.options = options;
  report.totals = empty_stats("TOTALS", edges);
  for (const ReviewedImage& image : images) {
    auto found = by_label.find(image.label);
    if (found == by_label.end()) {
      found = by_label.emplace(image.label, empty_stats(image.label, edges)).first;
    }
    add_image(found->second, image, edges);
    add_image(report.totals, image, edges);
  }
  for (auto& [label, stats] : by_label) {
    stats.threshold =
        class_threshold(stats.buckets, options.max_fp_ratio, options.threshold_method);
    stats.ece = expected_calibration_error(stats.buckets);
    report.classes.push_back(std::move(stats));
  }
  report.totals.ece = expected_calibration_error(report.totals.buckets);
  report.class_average = class_average(report.classes, edges.size() - 1);
  return report;
}

}  // namespace bulkqa
