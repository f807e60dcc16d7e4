#include "bulkqa/report/report_format.hpp"

#include "bulkqa/util/csv_records.hpp"
#include "bulkqa/util/text.hpp"

namespace bulkqa {

namespace {

// ---- Markdown ----

// A label inside a table cell: a '|' would end the cell, a line break the row, and '<' could
// open raw HTML where the Markdown is rendered.
std::string markdown_text(std::string_view text) {
  std::string cell;
  for (const char c : text) {
    if (c == '|' || c == '<' || c == '>' || c == '\\') {
      cell += '\\';
      cell += c;
    } else if (c == '\n' || c == '\r') {
      cell += ' ';
    } else {
      cell += c;
    }
  }
  return cell;
}

std::string markdown_line(const std::vector<std::string>& cells) {
  std::string line = "|";
  for (const auto& cell : cells) line += " " + cell + " |";
  return line + "\n";
}

std::string markdown_rule(std::size_t text_columns, std::size_t number_columns) {
  std::string rule = "|";
  for (std::size_t at = 0; at < text_columns; ++at) rule += "---|";
  for (std::size_t at = 0; at < number_columns; ++at) rule += "---:|";
  return rule + "\n";
}

std::vector<std::string> table_header(const Report& report) {
  std::vector<std::string> cells{"Label", "Total", "Confirmed", "Disconfirm", "Split", "%Correct"};
  for (const auto& bucket : report.totals.buckets) {
    const std::string name = bucket_name(bucket);
    for (const char* column : {" Total", " Incorrect", " %Correct"}) cells.push_back(name + column);
  }
  return cells;
}

std::vector<std::string> markdown_stats_row(const ClassStats& stats) {
  std::vector<std::string> cells{markdown_text(stats.label),
                                 std::to_string(stats.total),
                                 std::to_string(stats.confirmed),
                                 std::to_string(stats.disconfirmed),
                                 std::to_string(stats.split),
                                 percent_with_interval(stats.percent_correct(), stats.ci95())};
  for (const auto& bucket : stats.buckets) {
    cells.push_back(std::to_string(bucket.total));
    cells.push_back(std::to_string(bucket.incorrect));
    cells.push_back(percent_with_interval(bucket.percent_correct(), bucket.ci95()));
  }
  return cells;
}

std::vector<std::string> markdown_average_row(const ClassAverage& average) {
  std::vector<std::string> cells{
      "Class Average", "", "", "", "", percent_cell(average.percent_correct)};
  for (const auto& percent : average.bucket_percent_correct) {
    cells.insert(cells.end(), {"", "", percent_cell(percent)});
  }
  return cells;
}

std::string markdown_summary(const Report& report) {
  const ClassStats& totals = report.totals;
  return std::to_string(totals.total + totals.unreviewed) + " images in " +
         std::to_string(report.classes.size()) + " classes: " + std::to_string(totals.total) +
         " reviewed (" + std::to_string(totals.confirmed) + " confirmed, " +
         std::to_string(totals.disconfirmed) + " disconfirmed, " + std::to_string(totals.split) +
         " split), " + std::to_string(totals.unreviewed) +
         " unreviewed.\n\n%Correct = confirmed / reviewed, with its 95% Wilson score interval in "
         "brackets; incorrect = disconfirmed + split. Buckets by the model's confidence, the last "
         "one closed. " +
         std::string(kEmptyCell) + ": no reviewed image.\n\n";
}

std::string markdown_table(const Report& report) {
  const std::size_t bucket_columns = 3 * report.totals.buckets.size();
  std::string table = markdown_line(table_header(report)) + markdown_rule(1, 5 + bucket_columns);
  for (const auto& stats : report.classes) table += markdown_line(markdown_stats_row(stats));
  table += markdown_line(markdown_stats_row(report.totals));
  table += markdown_line(markdown_average_row(report.class_average));
  return table;
}

std::string no_threshold_reason(ThresholdMethod method) {
  return method == ThresholdMethod::bucket_walk
             ? "none (the highest bucket already fails: another model or full review)"
             : "none (no edge qualifies: another model or full review)";
}

std::string markdown_thresholds(const Report& report) {
  const ReportOptions& options = report.options;
  std::string text = "## Thresholds\n\nMethod " +
                     std::string(threshold_method_name(options.threshold_method)) + ", at most " +
                     shortest_decimal(options.max_fp_ratio) +
                     " false positives per true positive: the model's label can be trusted at or "
                     "above a class's threshold.\n\n| Label | Threshold |\n|---|---:|\n";
  for (const auto& stats : report.classes) {
    const std::string threshold = stats.threshold ? threshold_cell(stats.threshold)
                                                  : no_threshold_reason(options.threshold_method);
    text += markdown_line({markdown_text(stats.label), threshold});
  }
  return text;
}

std::string reliability_cell(const BucketStats& bucket) {
  if (bucket.total == 0) return std::string(kEmptyCell);
  return fixed_decimal(*bucket.mean_confidence(), 1) + " → " +
         percent_cell(bucket.percent_correct()) + " (" + std::to_string(bucket.total) + ")";
}

std::vector<std::string> calibration_row(const ClassStats& stats) {
  std::vector<std::string> cells{markdown_text(stats.label), ece_cell(stats.ece)};
  for (const auto& bucket : stats.buckets) cells.push_back(reliability_cell(bucket));
  return cells;
}

std::string markdown_calibration(const Report& report) {
  std::vector<std::string> header{"Label", "ECE"};
  for (const auto& bucket : report.totals.buckets) header.push_back(bucket_name(bucket));
  std::string text =
      "## Calibration\n\nExpected calibration error (ECE) of confidence/100 against observed "
      "correctness over the buckets; per bucket, the reliability diagram's point: mean confidence "
      "→ %Correct (reviewed images).\n\n" +
      markdown_line(header) + markdown_rule(1, header.size() - 1);
  for (const auto& stats : report.classes) text += markdown_line(calibration_row(stats));
  text += markdown_line(calibration_row(report.totals));
  return text;
}

// ---- CSV ----
// Labels and headers are text cells; counts and percentages are numbers. An empty percentage is
// the text "—".

std::vector<CsvCell> csv_header(const Report& report) {
  std::vector<CsvCell> cells;
  for (const auto& cell : table_header(report)) {
    cells.push_back(CsvCell::text(cell));
    if (cell.ends_with("%Correct")) {
      cells.push_back(CsvCell::text(cell + " CI95 Low"));
      cells.push_back(CsvCell::text(cell + " CI95 High"));
    }
  }
  return cells;
}

CsvCell csv_count(std::size_t count) {
  return CsvCell::number(std::to_string(count));
}

CsvCell csv_percent(std::optional<double> percent) {
  return percent ? CsvCell::number(fixed_decimal(*percent, 1)) : CsvCell::text(kEmptyCell);
}

void add_csv_percent(std::vector<CsvCell>& cells, std::optional<double> percent,
                     std::optional<Interval> interval) {
  cells.push_back(csv_percent(percent));
  cells.push_back(csv_percent(interval ? std::optional(interval->low) : std::nullopt));
  cells.push_back(csv_percent(interval ? std::optional(interval->high) : std::nullopt));
}

std::vector<CsvCell> csv_stats_row(const ClassStats& stats) {
  std::vector<CsvCell> cells{CsvCell::text(stats.label), csv_count(stats.total),
                             csv_count(stats.confirmed), csv_count(stats.disconfirmed),
                             csv_count(stats.split)};
  add_csv_percent(cells, stats.percent_correct(), stats.ci95());
  for (const auto& bucket : stats.buckets) {
    cells.push_back(csv_count(bucket.total));
    cells.push_back(csv_count(bucket.incorrect));
    add_csv_percent(cells, bucket.percent_correct(), bucket.ci95());
  }
  return cells;
}

std::vector<CsvCell> csv_average_row(const ClassAverage& average) {
  const CsvCell none = CsvCell::text("");
  std::vector<CsvCell> cells{CsvCell::text("Class Average"),       none, none, none, none,
                             csv_percent(average.percent_correct), none, none};
  for (const auto& percent : average.bucket_percent_correct) {
    cells.insert(cells.end(), {none, none, csv_percent(percent), none, none});
  }
  return cells;
}

// ---- JSON ----

nlohmann::json optional_json(std::optional<double> value) {
  return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}

nlohmann::json interval_json(std::optional<Interval> interval) {
  return interval ? nlohmann::json::array({interval->low, interval->high})
                  : nlohmann::json(nullptr);
}

nlohmann::json bucket_json(const BucketStats& bucket) {
  return {{"low", bucket.low},
          {"high", bucket.high},
          {"total", bucket.total},
          {"incorrect", bucket.incorrect},
          {"percent_correct", optional_json(bucket.percent_correct())},
          {"ci95", interval_json(bucket.ci95())},
          {"mean_confidence", optional_json(bucket.mean_confidence())}};
}

nlohmann::json stats_json(const ClassStats& stats) {
  nlohmann::json buckets = nlohmann::json::array();
  for (const auto& bucket : stats.buckets) buckets.push_back(bucket_json(bucket));
  return {{"total", stats.total},
          {"confirmed", stats.confirmed},
          {"disconfirmed", stats.disconfirmed},
          {"split", stats.split},
          {"unreviewed", stats.unreviewed},
          {"percent_correct", optional_json(stats.percent_correct())},
          {"ci95", interval_json(stats.ci95())},
          {"buckets", buckets},
          {"ece", optional_json(stats.ece)}};
}

nlohmann::json class_json(const ClassStats& stats) {
  nlohmann::json json = stats_json(stats);
  json["label"] = stats.label;
  json["threshold"] = optional_json(stats.threshold);
  return json;
}

nlohmann::json average_json(const Report& report) {
  nlohmann::json buckets = nlohmann::json::array();
  for (std::size_t at = 0; at < report.totals.buckets.size(); ++at) {
    const BucketStats& bucket = report.totals.buckets[at];
    buckets.push_back(
        {{"low", bucket.low},
         {"high", bucket.high},
         {"percent_correct", optional_json(report.class_average.bucket_percent_correct[at])}});
  }
  return {{"percent_correct", optional_json(report.class_average.percent_correct)},
          {"buckets", buckets}};
}

}  // namespace

Result<ReportFormat> parse_report_format(std::string_view text) {
  if (text == "markdown") return ReportFormat::markdown;
  if (text == "csv") return ReportFormat::csv;
  if (text == "json") return ReportFormat::json;
  if (text == "html") return ReportFormat::html;
  return make_error(errc::kInvalidOption, "format " + quote_value(text) +
                                              " is none of 'markdown', 'csv', 'json', 'html'");
}

std::string bucket_name(const BucketStats& bucket) {
  return shortest_decimal(bucket.low) + "-" + shortest_decimal(bucket.high);
}

std::string percent_cell(std::optional<double> percent) {
  return percent ? fixed_decimal(*percent, 1) : std::string(kEmptyCell);
}

std::string percent_with_interval(std::optional<double> percent, std::optional<Interval> interval) {
  if (!percent || !interval) return std::string(kEmptyCell);
  return fixed_decimal(*percent, 1) + " " + interval_cell(*interval);
}

std::string interval_cell(const Interval& interval) {
  return '[' + fixed_decimal(interval.low, 1) + ", " + fixed_decimal(interval.high, 1) + ']';
}

std::string threshold_cell(std::optional<double> threshold) {
  return threshold ? shortest_decimal(*threshold) : "none";
}

std::string ece_cell(std::optional<double> ece) {
  return ece ? fixed_decimal(*ece, 3) : std::string(kEmptyCell);
}

std::string report_markdown(const Report& report) {
  return "# Review report\n\n" + markdown_summary(report) + markdown_table(report) + "\n" +
         markdown_thresholds(report) + "\n" + markdown_calibration(report);
}

std::string report_csv(const Report& report) {
  std::string csv = csv_line(csv_header(report));
  for (const auto& stats : report.classes) csv += csv_line(csv_stats_row(stats));
  csv += csv_line(csv_stats_row(report.totals));
  csv += csv_line(csv_average_row(report.class_average));
  return csv;
}

nlohmann::json report_json(const Report& report) {
  nlohmann::json buckets = nlohmann::json::array();
  for (const auto& bucket : report.totals.buckets) buckets.push_back({bucket.low, bucket.high});
  nlohmann::json classes = nlohmann::json::array();
  for (const auto& stats : report.classes) classes.push_back(class_json(stats));
  return {{"buckets", buckets},
          {"classes", classes},
          {"totals", stats_json(report.totals)},
          {"class_average", average_json(report)},
          {"max_fp_ratio", report.options.max_fp_ratio},
          {"threshold_method", threshold_method_name(report.options.threshold_method)}};
}

std::string render_report(const Report& report, ReportFormat format) {
  switch (format) {
    case ReportFormat::markdown:
      return report_markdown(report);
    case ReportFormat::csv:
      return report_csv(report);
    case ReportFormat::json:
      return report_json(report).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) +
             "\n";
    case ReportFormat::html:
      return report_html(report);
  }
  return report_markdown(report);
}

std::string markdown_report(const std::vector<ReviewedImage>& images) {
  return report_markdown(build_report(images).value());
}

}  // namespace bulkqa
