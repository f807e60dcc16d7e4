// Reading the table's exports (CSV and JSON Lines) for `bulkqa report --input`.
#include "bulkqa/report/review_export.hpp"

#include <gtest/gtest.h>

#include "support/result_assertions.hpp"

namespace bulkqa {
namespace {

using testing::fails_with;

void expect_image(const ReviewedImage& image, const std::string& url, const std::string& label,
                  double confidence, std::size_t confirms, std::size_t disconfirms) {
  EXPECT_EQ(image.s3_image_url, url);
  EXPECT_EQ(image.label, label);
  EXPECT_DOUBLE_EQ(image.confidence, confidence);
  EXPECT_EQ(image.confirm_count, confirms);
  EXPECT_EQ(image.disconfirm_count, disconfirms);
}

bool fails_export(std::string_view text, std::initializer_list<std::string_view> parts) {
  const auto check = fails_with(parse_review_export(text), "InvalidReviewExport", parts);
  EXPECT_TRUE(check);
  return bool(check);
}

TEST(ReviewCsv, ColumnsInAnyOrderOthersIgnored) {
  const auto images = parse_review_csv(
      "WorkerDisconfirmCount,label,extra,confidence,s3_image_url,WorkerConfirmCount\n"
      "1,Crab,x,97.5,s3://b/crab/1.jpg,2\n"
      "0,Shrimp,y,80,s3://b/shrimp/1.jpg,0\n");
  ASSERT_TRUE(images.ok()) << images.error().message;
  ASSERT_EQ(images->size(), 2u);
  expect_image((*images)[0], "s3://b/crab/1.jpg", "Crab", 97.5, 2, 1);
  expect_image((*images)[1], "s3://b/shrimp/1.jpg", "Shrimp", 80, 0, 0);
}

TEST(ReviewCsv, MissingCountsAreZero) {
  auto images = parse_review_csv("s3_image_url,label,confidence\ns3://b/1.jpg,Crab,90\n");
  ASSERT_TRUE(images.ok()) << images.error().message;
  expect_image(images->at(0), "s3://b/1.jpg", "Crab", 90, 0, 0);
  images = parse_review_csv(
      "s3_image_url,label,confidence,WorkerConfirmCount,WorkerDisconfirmCount\n"
      "s3://b/1.jpg,Crab,90,, 3 \n");
  ASSERT_TRUE(images.ok()) << images.error().message;
  expect_image(images->at(0), "s3://b/1.jpg", "Crab", 90, 0, 3);
}

TEST(ReviewCsv, DynamoDbConsoleHeadersQuotesAndByteOrderMark) {
  const auto images = parse_review_csv(
      "\xEF\xBB\xBF\"s3_image_url (S)\",\"label (S)\",\"confidence (N)\",\"VoteIds (SS)\","
      "\"WorkerConfirmCount (N)\"\r\n"
      "\"s3://b/a,b.jpg\",\"Crab \"\"red\"\"\",\"91.25\",\"[\"\"x\"\"]\",\"4\"\r\n");
  ASSERT_TRUE(images.ok()) << images.error().message;
  expect_image(images->at(0), "s3://b/a,b.jpg", "Crab \"red\"", 91.25, 4, 0);
}

TEST(ReviewCsv, HeaderErrorsNameTheColumn) {
  EXPECT_TRUE(fails_export("s3_image_url,confidence\ns3://b/1.jpg,90\n",
                           {"line 1", "header has no column 'label'"}));
  EXPECT_TRUE(fails_export("s3_image_url,label,Label,confidence\n",
                           {"line 1", "duplicate column 'label'", "fields 2 and 3"}));
  EXPECT_TRUE(fails_export("", {"line 1", "no header"}));
}

TEST(ReviewCsv, RowErrorsNameTheLineAndField) {
  const std::string header = "s3_image_url,label,confidence,WorkerConfirmCount\n";
  EXPECT_TRUE(fails_export(header + "s3://b/1.jpg,Crab,90,1\ns3://b/2.jpg,Crab,high,1\n",
                           {"line 3", "field 'confidence'", "'high'", "not a finite number"}));
  EXPECT_TRUE(fails_export(header + "s3://b/1.jpg,Crab,100.5,1\n",
                           {"line 2", "field 'confidence'", "outside [0, 100]"}));
  EXPECT_TRUE(fails_export(header + "s3://b/1.jpg,Crab,90,-1\n",
                           {"line 2", "field 'WorkerConfirmCount'", "'-1'", "whole number"}));
  EXPECT_TRUE(fails_export(header + "s3://b/1.jpg,Crab,90,1.5\n",
                           {"line 2", "field 'WorkerConfirmCount'", "'1.5'"}));
  EXPECT_TRUE(fails_export(header + "s3://b/1.jpg,,90,1\n", {"line 2", "field 'label' is empty"}));
  EXPECT_TRUE(fails_export(header + ",Crab,90,1\n", {"line 2", "field 's3_image_url' is empty"}));
  EXPECT_TRUE(fails_export(header + "s3://b/1.jpg,Crab,90\n",
                           {"line 2", "expected 4 fields as in the header, found 3"}));
  EXPECT_TRUE(fails_export(header + "s3://b/1.jpg,\"Crab,90,1\n",
                           {"line 2", "quoted field is never closed"}));
  EXPECT_TRUE(fails_export(header + "s3://b/1.jpg,Cr\xC3,90,1\n",
                           {"line 2", "field 'label' is not valid UTF-8"}));
}

TEST(ReviewCsv, SameImageAndLabelTwiceNamesBothLines) {
  EXPECT_TRUE(
      fails_export("s3_image_url,label,confidence\n"
                   "s3://b/1.jpg,Crab,90\n"
                   "s3://b/1.jpg,Shrimp,90\n"
                   "\n"
                   "s3://b/1.jpg,Crab,91\n",
                   {"line 5", "repeats line 2", "'s3://b/1.jpg'", "'Crab'"}));
}

TEST(ReviewJsonLines, FieldsAndMissingCounts) {
  const auto images = parse_review_json_lines(
      "{\"s3_image_url\": \"s3://b/1.jpg\", \"label\": \"Crab\", \"confidence\": 97.5, "
      "\"WorkerConfirmCount\": 2, \"WorkerDisconfirmCount\": 1}\n"
      "\n"
      "{\"label\": \"Shrimp\", \"s3_image_url\": \"s3://b/2.jpg\", \"confidence\": 80, "
      "\"WorkerConfirmCount\": null, \"other\": [1]}\r\n");
  ASSERT_TRUE(images.ok()) << images.error().message;
  ASSERT_EQ(images->size(), 2u);
  expect_image((*images)[0], "s3://b/1.jpg", "Crab", 97.5, 2, 1);
  expect_image((*images)[1], "s3://b/2.jpg", "Shrimp", 80, 0, 0);
}

TEST(ReviewJsonLines, ErrorsNameTheLineAndField) {
  const std::string good =
      "{\"s3_image_url\": \"s3://b/1.jpg\", \"label\": \"Crab\", \"confidence\": 90}\n";
  EXPECT_TRUE(fails_export(good + "\n{\"s3_image_url\": \"s3://b/2.jpg\", \"confidence\": 90}\n",
                           {"line 3", "label", "missing"}));
  EXPECT_TRUE(fails_export(good + "{\"s3_image_url\": \"s3://b/2.jpg\", \"label\": \"Crab\", "
                                  "\"confidence\": \"90\"}\n",
                           {"line 2", "confidence", "expected a number, found string"}));
  EXPECT_TRUE(fails_export(good + "{\"s3_image_url\": \"s3://b/2.jpg\", \"label\": \"Crab\", "
                                  "\"confidence\": 90, \"WorkerDisconfirmCount\": -2}\n",
                           {"line 2", "WorkerDisconfirmCount", "whole number >= 0"}));
  EXPECT_TRUE(fails_export(good + "{\"s3_image_url\": \"s3://b/2.jpg\", \"label\": \"Crab\", "
                                  "\"confidence\": 190}\n",
                           {"line 2", "field 'confidence'", "outside [0, 100]"}));
  EXPECT_TRUE(fails_export(good + "{\"s3_image_url\": \"s3://b/2.jpg\"\n",
                           {"line 2", "not a valid JSON value"}));
  EXPECT_TRUE(fails_export(good + "[1, 2]\n", {"line 2", "expected an object, found array"}));
  EXPECT_TRUE(fails_export(good + good, {"line 2", "repeats line 1"}));
}

TEST(ReviewExport, FormatFollowsTheFirstCharacter) {
  auto images = parse_review_export(
      "\n  {\"s3_image_url\": \"s3://b/1.jpg\", \"label\": \"Crab\", \"confidence\": 90}\n");
  ASSERT_TRUE(images.ok()) << images.error().message;
  EXPECT_EQ(images->size(), 1u);
  images = parse_review_export("s3_image_url,label,confidence\ns3://b/1.jpg,Crab,90\n");
  ASSERT_TRUE(images.ok()) << images.error().message;
  EXPECT_EQ(images->size(), 1u);
  images = parse_review_export("s3_image_url,label,confidence\n");
  ASSERT_TRUE(images.ok()) << images.error().message;
  EXPECT_TRUE(images->empty());
}

}  // namespace
}  // namespace bulkqa
