// CSV injection: labels and URLs come from the corpus and the reviewers' table, and a spreadsheet
// runs a cell that starts like a formula. Every CSV the project writes must show such text as text
// (OWASP: a ' in front, the cell quoted) and keep the numbers it formats itself as numbers.
#include <gtest/gtest.h>

#include "bulkqa/qa/reviewed_image.hpp"
#include "bulkqa/report/report.hpp"
#include "bulkqa/report/report_format.hpp"
#include "bulkqa/util/csv_records.hpp"

namespace bulkqa {
namespace {

// One label per character a spreadsheet reads as the start of a formula.
const std::vector<std::string> kFormulaTexts{"=cmd|' /C calc'!A0",
                                             "+SUM(1+1)*cmd|' /C calc'!A0",
                                             "-2+3+cmd|' /C calc'!A0",
                                             "@SUM(1+1)*cmd|' /C calc'!A0",
                                             "\t=1+1",
                                             "\r=1+1"};

bool starts_like_formula(const std::string& cell) {
  return !cell.empty() && std::string_view("=+-@\t\r").find(cell.front()) != std::string::npos;
}

std::vector<CsvRecord> read_back(const std::string& csv) {
  auto records = read_csv_records(csv, "Test");
  EXPECT_TRUE(records.ok()) << records.error().describe() << "\n" << csv;
  return records ? std::move(*records) : std::vector<CsvRecord>{};
}

void expect_no_cell_starts_like_a_formula(const std::vector<CsvRecord>& records) {
  for (const CsvRecord& record : records) {
    for (const std::string& cell : record.fields) {
      EXPECT_FALSE(starts_like_formula(cell)) << "line " << record.line << ": " << cell;
    }
  }
}

TEST(HostileCsv, TextThatStartsLikeAFormulaGetsAQuoteMarkAndQuotes) {
  EXPECT_EQ(CsvCell::text("=cmd|' /C calc'!A0").written(), "\"'=cmd|' /C calc'!A0\"");
  EXPECT_EQ(CsvCell::text("+1").written(), "\"'+1\"");
  EXPECT_EQ(CsvCell::text("-2+3").written(), "\"'-2+3\"");
  EXPECT_EQ(CsvCell::text("@SUM(A1)").written(), "\"'@SUM(A1)\"");
  EXPECT_EQ(CsvCell::text("\t=1").written(), "\"'\t=1\"");
  EXPECT_EQ(CsvCell::text("\r=1").written(), "\"'\r=1\"");
  EXPECT_EQ(CsvCell::text("=HYPERLINK(\"x\",\"y\")").written(),
            "\"'=HYPERLINK(\"\"x\"\",\"\"y\"\")\"");
  // Only the first character counts: a formula sign later on is harmless.
  EXPECT_EQ(CsvCell::text("a=1").written(), "a=1");
  EXPECT_EQ(CsvCell::text("").written(), "");
}

TEST(HostileCsv, NumbersStayNumbers) {
  EXPECT_EQ(csv_line({CsvCell::number("-2"), CsvCell::number("97.5"), CsvCell::text("-2")}),
            "-2,97.5,\"'-2\"\n");
}

TEST(HostileCsv, ReportCsvShowsFormulaLabelsAsTextAndKeepsTheNumbers) {
  std::vector<ReviewedImage> images;
  for (std::size_t at = 0; at < kFormulaTexts.size(); ++at) {
    images.push_back({"s3://bucket/" + std::to_string(at) + ".jpg", kFormulaTexts[at], 82, 2, 0});
  }
  const std::string csv = report_csv(build_report(images).value());
  const std::vector<CsvRecord> records = read_back(csv);
  ASSERT_EQ(records.size(), 1 + kFormulaTexts.size() + 2);
  expect_no_cell_starts_like_a_formula(records);

  // The classes come sorted by label; each row starts with its label behind a quote mark, and its
  // counts and percentages are plain numbers.
  std::vector<std::string> expected_labels;
  for (const std::string& label : kFormulaTexts) expected_labels.push_back("'" + label);
  std::sort(expected_labels.begin(), expected_labels.end());
  std::vector<std::string> labels;
  for (std::size_t row = 1; row <= kFormulaTexts.size(); ++row) {
    const std::vector<std::string>& fields = records[row].fields;
    labels.push_back(fields[0]);
    EXPECT_EQ(std::vector<std::string>(fields.begin() + 1, fields.begin() + 11),
              (std::vector<std::string>{"1", "1", "0", "0", "100.0", "20.7", "100.0", "1", "0",
                                        "100.0"}));
  }
  std::sort(labels.begin(), labels.end());
  EXPECT_EQ(labels, expected_labels);
  // Quoted on the line itself, so that no spreadsheet splits or trims the cell.
  EXPECT_NE(csv.find("\n\"'=cmd|' /C calc'!A0\",1,1,0,0,100.0,"), std::string::npos) << csv;
}

TEST(HostileCsv, ServeResultsShowFormulaLabelsAndUrlsAsTextAndKeepTheNumbers) {
  std::vector<ReviewedImage> images;
  for (const std::string& text : kFormulaTexts) images.push_back({text, text, 97.5, 2, 1});
  const std::vector<CsvRecord> records = read_back(reviewed_images_csv(images));
  ASSERT_EQ(records.size(), 1 + kFormulaTexts.size());
  expect_no_cell_starts_like_a_formula(records);
  for (std::size_t row = 1; row < records.size(); ++row) {
    const std::vector<std::string>& fields = records[row].fields;
    ASSERT_EQ(fields.size(), 6u);
    EXPECT_EQ(fields[0], fields[1]);
    EXPECT_EQ(fields[0].front(), '\'') << fields[0];
    EXPECT_NE(std::find(kFormulaTexts.begin(), kFormulaTexts.end(), fields[0].substr(1)),
              kFormulaTexts.end())
        << fields[0];
    EXPECT_EQ(std::vector<std::string>(fields.begin() + 2, fields.end()),
              (std::vector<std::string>{"97.5", "2", "1", "split"}));
  }
}

TEST(HostileCsv, OrdinaryTextIsLeftAsItWas) {
  const std::string csv = reviewed_images_csv({{"s3://b/crab.jpg", "Crab 'red' (2)", 80, 1, 0}});
  EXPECT_EQ(csv,
            "s3_image_url,label,confidence,confirm_count,disconfirm_count,status\n"
            "s3://b/crab.jpg,Crab 'red' (2),80,1,0,confirmed\n");
}

}  // namespace
}  // namespace bulkqa
