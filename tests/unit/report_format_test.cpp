// The report's four formats: layout, empty cells, escaping, and the JSON schema of the issue.
#include "bulkqa/report/report_format.hpp"

#include <sstream>

#include <gtest/gtest.h>

#include "bulkqa/util/csv_records.hpp"
#include "support/result_assertions.hpp"

namespace bulkqa {
namespace {

ReviewedImage image(const std::string& label, double confidence, std::size_t confirms,
                    std::size_t disconfirms) {
  static int serial = 0;
  return {"s3://bucket/" + std::to_string(++serial) + ".jpg", label, confidence, confirms,
          disconfirms};
}

// Crab: 4 reviewed (3 confirmed, 1 split), one unreviewed; Shrimp: one disconfirmed at 99;
// Anchor: nothing reviewed.
std::vector<ReviewedImage> sample_images() {
  return {image("Crab", 82, 2, 0),  image("Crab", 96, 1, 0), image("Crab", 97, 3, 0),
          image("Crab", 99, 1, 1),  image("Crab", 90, 0, 0), image("Shrimp", 99, 0, 2),
          image("Anchor", 85, 0, 0)};
}

Report sample_report() {
  return build_report(sample_images()).value();
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::string line_starting(const std::string& text, const std::string& prefix) {
  for (const auto& line : lines_of(text)) {
    if (line.starts_with(prefix)) return line;
  }
  return "";
}

TEST(ReportMarkdown, TableLaidOutAsTheIssueShows) {
  const std::string markdown = report_markdown(sample_report());
  EXPECT_NE(markdown.find("| Label | Total | Confirmed | Disconfirm | Split | %Correct | 80-85 "
                          "Total | 80-85 Incorrect | 80-85 %Correct | 85-90 Total | 85-90 "
                          "Incorrect | 85-90 %Correct | 90-95 Total | 90-95 Incorrect | 90-95 "
                          "%Correct | 95-100 Total | 95-100 Incorrect | 95-100 %Correct |\n"
                          "|---|---:|"),
            std::string::npos)
      << markdown;
  EXPECT_EQ(line_starting(markdown, "| Crab |"),
            "| Crab | 4 | 3 | 0 | 1 | 75.0 [30.1, 95.4] | 1 | 0 | 100.0 [20.7, 100.0] | 0 | 0 | — "
            "| 0 | 0 | — | 3 | 1 | 66.7 [20.8, 93.9] |");
  EXPECT_EQ(line_starting(markdown, "| Anchor |"),
            "| Anchor | 0 | 0 | 0 | 0 | — | 0 | 0 | — | 0 | 0 | — | 0 | 0 | — | 0 | 0 | — |");
  EXPECT_EQ(line_starting(markdown, "| TOTALS |"),
            "| TOTALS | 5 | 3 | 1 | 1 | 60.0 [23.1, 88.2] | 1 | 0 | 100.0 [20.7, 100.0] | 0 | 0 | "
            "— | 0 | 0 | — | 4 | 2 | 50.0 [15.0, 85.0] |");
  // Crab 75 and Shrimp 0; Anchor has no %Correct and is left out.
  EXPECT_EQ(line_starting(markdown, "| Class Average |"),
            "| Class Average |  |  |  |  | 37.5 |  |  | 100.0 |  |  | — |  |  | — |  |  | 33.3 |");
}

TEST(ReportMarkdown, RowsInOrderThenThresholdsThenCalibration) {
  const std::string markdown = report_markdown(sample_report());
  const auto anchor = markdown.find("| Anchor |");
  const auto crab = markdown.find("| Crab |");
  const auto shrimp = markdown.find("| Shrimp |");
  const auto totals = markdown.find("| TOTALS |");
  const auto average = markdown.find("| Class Average |");
  const auto thresholds = markdown.find("## Thresholds");
  const auto calibration = markdown.find("## Calibration");
  EXPECT_LT(anchor, crab);
  EXPECT_LT(crab, shrimp);
  EXPECT_LT(shrimp, totals);
  EXPECT_LT(totals, average);
  EXPECT_LT(average, thresholds);
  EXPECT_LT(thresholds, calibration);
  EXPECT_NE(markdown.find("7 images in 3 classes: 5 reviewed (3 confirmed, 1 disconfirmed, 1 "
                          "split), 2 unreviewed."),
            std::string::npos);
  const std::string threshold_part = markdown.substr(thresholds, calibration - thresholds);
  EXPECT_NE(threshold_part.find("Method bucket-walk, at most 0.1 false positives"),
            std::string::npos);
  EXPECT_NE(threshold_part.find("| Anchor | 80 |"), std::string::npos);
  // Crab's 95-100 bucket has 1 incorrect for 2 correct.
  EXPECT_NE(threshold_part.find("| Crab | none (the highest bucket already fails"),
            std::string::npos);
  const std::string calibration_part = markdown.substr(calibration);
  EXPECT_NE(calibration_part.find("| Label | ECE | 80-85 | 85-90 | 90-95 | 95-100 |"),
            std::string::npos);
  EXPECT_NE(calibration_part.find("| Crab | 0.275 | 82.0 → 100.0 (1) | — | — | 97.3 → 66.7 (3) |"),
            std::string::npos)
      << calibration_part;
  EXPECT_NE(calibration_part.find("| Anchor | — | — | — | — | — |"), std::string::npos);
  EXPECT_NE(calibration_part.find("| TOTALS | "), std::string::npos);
}

TEST(ReportMarkdown, LabelsCannotBreakTheTable) {
  const std::string markdown =
      report_markdown(build_report({image("a|b\nc<i>\\", 90, 1, 0)}).value());
  EXPECT_NE(markdown.find("| a\\|b c\\<i\\>\\\\ | 1 |"), std::string::npos) << markdown;
}

TEST(ReportMarkdown, DefaultReportOfImages) {
  EXPECT_EQ(markdown_report(sample_images()), report_markdown(sample_report()));
}

TEST(ReportCsv, OneRowPerClassPlusTotalsAndClassAverage) {
  const std::string csv = report_csv(sample_report());
  auto records = read_csv_records(csv, "Test");
  ASSERT_TRUE(records.ok());
  ASSERT_EQ(records->size(), 1u + 3 + 2);
  const auto& header = (*records)[0].fields;
  EXPECT_EQ(header.size(), 8u + 4 * 5);
  EXPECT_EQ(header[0], "Label");
  EXPECT_EQ(header[5], "%Correct");
  EXPECT_EQ(header[6], "%Correct CI95 Low");
  EXPECT_EQ(header[7], "%Correct CI95 High");
  EXPECT_EQ(header[8], "80-85 Total");
  EXPECT_EQ(header[9], "80-85 Incorrect");
  EXPECT_EQ(header[10], "80-85 %Correct");
  EXPECT_EQ(header[11], "80-85 %Correct CI95 Low");
  EXPECT_EQ(header[27], "95-100 %Correct CI95 High");
  const auto& crab = (*records)[2].fields;
  EXPECT_EQ(crab, (std::vector<std::string>{"Crab", "4", "3", "0",     "1",    "75.0",  "30.1",
                                            "95.4", "1", "0", "100.0", "20.7", "100.0", "0",
                                            "0",    "—", "—", "—",     "0",    "0",     "—",
                                            "—",    "—", "3", "1",     "66.7", "20.8",  "93.9"}));
  EXPECT_EQ((*records)[4].fields[0], "TOTALS");
  const auto& average = (*records)[5].fields;
  EXPECT_EQ(average[0], "Class Average");
  EXPECT_EQ(average[1], "");
  EXPECT_EQ(average[5], "37.5");
  EXPECT_EQ(average[6], "");
  EXPECT_EQ(average[15], "—");
  EXPECT_EQ(average.size(), header.size());
}

TEST(ReportCsv, LabelsAreQuotedWhenNeeded) {
  const std::string csv = report_csv(build_report({image("crab, \"red\"", 90, 1, 0)}).value());
  EXPECT_NE(csv.find("\n\"crab, \"\"red\"\"\",1,1,"), std::string::npos) << csv;
  auto records = read_csv_records(csv, "Test");
  ASSERT_TRUE(records.ok());
  EXPECT_EQ((*records)[1].fields[0], "crab, \"red\"");
}

TEST(ReportJson, FieldsOfTheIssue) {
  const nlohmann::json json = report_json(sample_report());
  EXPECT_EQ(json["buckets"], nlohmann::json::parse("[[80,85],[85,90],[90,95],[95,100]]"));
  EXPECT_EQ(json["max_fp_ratio"], 0.1);
  EXPECT_EQ(json["threshold_method"], "bucket-walk");
  ASSERT_EQ(json["classes"].size(), 3u);
  const nlohmann::json& crab = json["classes"][1];
  EXPECT_EQ(crab["label"], "Crab");
  EXPECT_EQ(crab["total"], 4);
  EXPECT_EQ(crab["confirmed"], 3);
  EXPECT_EQ(crab["disconfirmed"], 0);
  EXPECT_EQ(crab["split"], 1);
  EXPECT_EQ(crab["unreviewed"], 1);
  EXPECT_DOUBLE_EQ(crab["percent_correct"].get<double>(), 75.0);
  const auto interval = wilson_interval(3, 4).value();
  EXPECT_EQ(crab["ci95"], nlohmann::json::array({interval.low, interval.high}));
  EXPECT_TRUE(crab["threshold"].is_null());
  EXPECT_TRUE(crab["ece"].is_number());
  ASSERT_EQ(crab["buckets"].size(), 4u);
  const nlohmann::json& top = crab["buckets"][3];
  EXPECT_EQ(top["low"], 95);
  EXPECT_EQ(top["high"], 100);
  EXPECT_EQ(top["total"], 3);
  EXPECT_EQ(top["incorrect"], 1);
  EXPECT_DOUBLE_EQ(top["percent_correct"].get<double>(), 200.0 / 3);
  EXPECT_DOUBLE_EQ(top["mean_confidence"].get<double>(), (96.0 + 97 + 99) / 3);
  EXPECT_EQ(top["ci95"].size(), 2u);
  const nlohmann::json& empty = crab["buckets"][1];
  EXPECT_EQ(empty["total"], 0);
  EXPECT_TRUE(empty["percent_correct"].is_null());
  EXPECT_TRUE(empty["ci95"].is_null());
  EXPECT_TRUE(empty["mean_confidence"].is_null());

  const nlohmann::json& anchor = json["classes"][0];
  EXPECT_TRUE(anchor["percent_correct"].is_null());
  EXPECT_TRUE(anchor["ci95"].is_null());
  EXPECT_TRUE(anchor["ece"].is_null());
  EXPECT_EQ(anchor["threshold"], 80);
}

TEST(ReportJson, TotalsAndClassAverage) {
  const nlohmann::json json = report_json(sample_report());
  const nlohmann::json& totals = json["totals"];
  EXPECT_FALSE(totals.contains("label"));
  EXPECT_FALSE(totals.contains("threshold"));
  EXPECT_EQ(totals["total"], 5);
  EXPECT_EQ(totals["unreviewed"], 2);
  EXPECT_DOUBLE_EQ(totals["percent_correct"].get<double>(), 60.0);
  EXPECT_TRUE(totals["ece"].is_number());
  EXPECT_EQ(totals["buckets"].size(), 4u);
  const nlohmann::json& average = json["class_average"];
  EXPECT_DOUBLE_EQ(average["percent_correct"].get<double>(), 37.5);
  ASSERT_EQ(average["buckets"].size(), 4u);
  EXPECT_EQ(average["buckets"][0]["low"], 80);
  EXPECT_EQ(average["buckets"][0]["high"], 85);
  EXPECT_DOUBLE_EQ(average["buckets"][0]["percent_correct"].get<double>(), 100.0);
  EXPECT_TRUE(average["buckets"][1]["percent_correct"].is_null());
  EXPECT_DOUBLE_EQ(average["buckets"][3]["percent_correct"].get<double>(), (200.0 / 3 + 0) / 2);
}

TEST(ReportJson, OptionsAreReported) {
  ReportOptions options;
  options.bucket_edges = {50, 75, 100};
  options.max_fp_ratio = 0.25;
  options.threshold_method = ThresholdMethod::cumulative;
  const nlohmann::json json = report_json(build_report(sample_images(), options).value());
  EXPECT_EQ(json["buckets"], nlohmann::json::parse("[[50,75],[75,100]]"));
  EXPECT_EQ(json["max_fp_ratio"], 0.25);
  EXPECT_EQ(json["threshold_method"], "cumulative");
}

TEST(ReportHtml, SelfContainedWithTablesAndTwoChartsPerClassAndForAll) {
  const std::string html = report_html(sample_report());
  EXPECT_TRUE(html.starts_with("<!DOCTYPE html>"));
  EXPECT_NE(html.find("<table id=\"accuracy\">"), std::string::npos);
  EXPECT_NE(html.find("<table id=\"thresholds\">"), std::string::npos);
  EXPECT_NE(html.find("<table id=\"calibration\">"), std::string::npos);
  EXPECT_NE(html.find("<th colspan=\"3\" class=\"bucket\">95-100</th>"), std::string::npos);
  std::size_t charts = 0;
  for (auto at = html.find("<svg "); at != std::string::npos; at = html.find("<svg ", at + 1)) {
    ++charts;
  }
  EXPECT_EQ(charts, 2u * (3 + 1));
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("http://"), std::string::npos);
  EXPECT_EQ(html.find("https://"), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
}

TEST(ReportHtml, EveryLabelIsEscaped) {
  const std::string label = "<img src=x onerror=\"alert('1')\">&";
  const std::string html = report_html(build_report({image(label, 90, 1, 0)}).value());
  EXPECT_EQ(html.find(label), std::string::npos);
  EXPECT_EQ(html.find("<img"), std::string::npos);
  EXPECT_NE(html.find("&lt;img src=x onerror=&quot;alert(&#39;1&#39;)&quot;&gt;&amp;"),
            std::string::npos);
}

TEST(ReportFormatOption, ParsesTheFourFormats) {
  EXPECT_EQ(*parse_report_format("markdown"), ReportFormat::markdown);
  EXPECT_EQ(*parse_report_format("csv"), ReportFormat::csv);
  EXPECT_EQ(*parse_report_format("json"), ReportFormat::json);
  EXPECT_EQ(*parse_report_format("html"), ReportFormat::html);
  EXPECT_TRUE(
      testing::fails_with(parse_report_format("pdf"), "InvalidOption", {"'pdf'", "markdown"}));
  const Report report = sample_report();
  EXPECT_EQ(nlohmann::json::parse(render_report(report, ReportFormat::json)), report_json(report));
}

}  // namespace
}  // namespace bulkqa
