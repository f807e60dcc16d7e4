#include "bulkqa/vote_summary.hpp"

#include <gtest/gtest.h>

namespace bulkqa {
namespace {

ReviewedImage image(const std::string& label, std::size_t confirms, std::size_t disconfirms) {
  return {"s3://b/" + label + std::to_string(confirms) + std::to_string(disconfirms), label, 90,
          confirms, disconfirms};
}

TEST(VoteSummaryTest, StatusFollowsTheVotes) {
  EXPECT_EQ(image("A", 0, 0).status(), ImageStatus::unreviewed);
  EXPECT_EQ(image("A", 2, 0).status(), ImageStatus::confirmed);
  EXPECT_EQ(image("A", 0, 1).status(), ImageStatus::disconfirmed);
  EXPECT_EQ(image("A", 1, 1).status(), ImageStatus::split);
}

TEST(VoteSummaryTest, CountsPerLabelSortedWithATotal) {
  const auto rows = count_votes_by_label(
      {image("Crab", 2, 0), image("Anchor", 0, 0), image("Crab", 1, 1), image("Crab", 0, 3)});
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].label, "Anchor");
  EXPECT_EQ(rows[0].unreviewed, 1u);
  const auto& crab = rows[1];
  EXPECT_EQ(crab.label, "Crab");
  EXPECT_EQ(crab.images, 3u);
  EXPECT_EQ(crab.confirm_votes, 3u);
  EXPECT_EQ(crab.disconfirm_votes, 4u);
  EXPECT_EQ(crab.confirmed, 1u);
  EXPECT_EQ(crab.split, 1u);
  EXPECT_EQ(crab.disconfirmed, 1u);
  EXPECT_EQ(rows[2].label, "TOTAL");
  EXPECT_EQ(rows[2].images, 4u);
  EXPECT_EQ(rows[2].confirm_votes, 3u);
}

TEST(VoteSummaryTest, MarkdownHasAHeaderAndOneLinePerRow) {
  const std::string table = vote_counts_markdown(count_votes_by_label({image("Crab", 2, 1)}));
  EXPECT_NE(table.find("| Label | Images | Confirm votes |"), std::string::npos);
  EXPECT_NE(table.find("| Crab | 1 | 2 | 1 | 0 | 0 | 1 | 0 |\n"), std::string::npos);
  EXPECT_NE(table.find("| TOTAL | 1 | 2 | 1 |"), std::string::npos);
}

TEST(VoteSummaryTest, ImagesAsCsvSortedByLabelThenUrl) {
  const std::string csv = reviewed_images_csv({
      {"s3://b/lobster/2.jpg", "Lobster", 97.5, 0, 3},
      {"s3://b/crab/9.jpg", "Crab", 80, 2, 1},
      {"s3://b/crab/1.jpg", "Crab", 99.123456789, 0, 0},
  });
  EXPECT_EQ(csv,
            "s3_image_url,label,confidence,confirm_count,disconfirm_count,status\n"
            "s3://b/crab/1.jpg,Crab,99.123456789,0,0,unreviewed\n"
            "s3://b/crab/9.jpg,Crab,80,2,1,split\n"
            "s3://b/lobster/2.jpg,Lobster,97.5,0,3,disconfirmed\n");
}

TEST(VoteSummaryTest, CsvQuotesFieldsWithCommasQuotesAndLineBreaks) {
  const std::string csv = reviewed_images_csv({
      {"s3://b/a,b.jpg", "<img src=x> \"Tom's\"", 90, 1, 0},
      {"s3://b/c.jpg", "two\nlines", 90, 1, 0},
  });
  EXPECT_NE(csv.find("\"s3://b/a,b.jpg\",\"<img src=x> \"\"Tom's\"\"\",90,1,0,confirmed\n"),
            std::string::npos)
      << csv;
  EXPECT_NE(csv.find("s3://b/c.jpg,\"two\nlines\",90,1,0,confirmed\n"), std::string::npos) << csv;
}

}  // namespace
}  // namespace bulkqa
