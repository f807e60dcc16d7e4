// The report as people and programs read it: Markdown, CSV, JSON and a self-contained HTML page.
//
// Every format holds the same table: one row per class, then TOTALS and Class Average, with the
// columns Label, Total, Confirmed, Disconfirm, Split, %Correct and, per bucket, "<low>-<high>
// Total", "… Incorrect", "… %Correct". A %Correct cell whose Total is 0 is "—" (null in JSON),
// never 0%. Percentages run from 0 to 100; each carries its 95% Wilson interval.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "bulkqa/qa/reviewed_image.hpp"
#include "bulkqa/report/report.hpp"
#include "bulkqa/util/error.hpp"

namespace bulkqa {

enum class ReportFormat { markdown, csv, json, html };

// "markdown", "csv", "json", "html"; errors (code "InvalidOption") name the accepted values.
Result<ReportFormat> parse_report_format(std::string_view text);

// The table, then the thresholds per class, then calibration (ECE and reliability points).
std::string report_markdown(const Report& report);

// The table only. Each %Correct column is followed by its interval's bounds ("%Correct CI95
// Low", "%Correct CI95 High"), so every value is a number or "—"; Class Average leaves the counts
// and bounds empty.
std::string report_csv(const Report& report);

// {"buckets": [[low, high], …], "classes": [{"label", "total", "confirmed", "disconfirmed",
//  "split", "unreviewed", "percent_correct", "ci95": [lo, hi], "buckets": [{"low", "high",
//  "total", "incorrect", "percent_correct", "ci95", "mean_confidence"}], "threshold", "ece"}],
//  "totals": {the same without label and threshold}, "class_average": {"percent_correct",
//  "buckets": [{"low", "high", "percent_correct"}]}, "max_fp_ratio", "threshold_method"}
// Empty values are null; ece is a fraction from 0 to 1, mean_confidence a percentage.
nlohmann::json report_json(const Report& report);

// One HTML file that needs nothing else to display: inline CSS, the tables, and inline SVG
// charts (per class and for all classes: %Correct per bucket with its interval, and a
// reliability diagram). Every label is HTML-escaped.
std::string report_html(const Report& report);

std::string render_report(const Report& report, ReportFormat format);

// The Markdown report of `images` with the default options.
std::string markdown_report(const std::vector<ReviewedImage>& images);

// Cells shared by the text formats.
inline constexpr std::string_view kEmptyCell = "—";
// "80-85".
std::string bucket_name(const BucketStats& bucket);
// One decimal ("92.3"), or kEmptyCell.
std::string percent_cell(std::optional<double> percent);
// "[85.1, 96.2]".
std::string interval_cell(const Interval& interval);
// "92.3 [85.1, 96.2]", or kEmptyCell.
std::string percent_with_interval(std::optional<double> percent, std::optional<Interval> interval);
// "none" when there is no threshold.
std::string threshold_cell(std::optional<double> threshold);
// Three decimals ("0.042"), or kEmptyCell.
std::string ece_cell(std::optional<double> ece);

}  // namespace bulkqa
