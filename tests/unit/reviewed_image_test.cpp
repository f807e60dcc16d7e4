#include "bulkqa/qa/reviewed_image.hpp"

#include <gtest/gtest.h>

namespace bulkqa {
namespace {

ReviewedImage image(const std::string& label, std::size_t confirms, std::size_t disconfirms) {
  return {"s3://b/" + label + std::to_string(confirms) + std::to_string(disconfirms), label, 90,
          confirms, disconfirms};
}

TEST(ReviewedImageTest, StatusFollowsTheVotes) {
  EXPECT_EQ(image("A", 0, 0).status(), ImageStatus::unreviewed);
  EXPECT_EQ(image("A", 2, 0).status(), ImageStatus::confirmed);
  EXPECT_EQ(image("A", 0, 1).status(), ImageStatus::disconfirmed);
  EXPECT_EQ(image("A", 1, 1).status(), ImageStatus::split);
}

TEST(ReviewedImageTest, ImagesAsCsvSortedByLabelThenUrl) {
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

TEST(ReviewedImageTest, CsvQuotesFieldsWithCommasQuotesAndLineBreaks) {
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
