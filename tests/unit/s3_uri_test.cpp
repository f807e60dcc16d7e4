#include "bulkqa/qa/s3_uri.hpp"

#include <gtest/gtest.h>

#include "support/result_assertions.hpp"

namespace bulkqa {
namespace {

using testing::fails_with;

TEST(S3Uri, SplitsBucketAndKey) {
  const auto uri = parse_s3_uri("s3://my-bucket/batches/000001-Crab.json");
  ASSERT_TRUE(uri.ok()) << uri.error().message;
  EXPECT_EQ(uri->bucket, "my-bucket");
  EXPECT_EQ(uri->key, "batches/000001-Crab.json");
  EXPECT_EQ(uri->str(), "s3://my-bucket/batches/000001-Crab.json");
}

TEST(S3Uri, KeyIsTakenVerbatim) {
  for (const std::string key :
       {"a b/c d.jpg", "ünïcödé/画像.jpg", "a%20b", "x//y/", "/lead", "q?x=1#frag"}) {
    const auto uri = parse_s3_uri("s3://bucket.with.dots/" + key);
    ASSERT_TRUE(uri.ok()) << key << ": " << uri.error().message;
    EXPECT_EQ(uri->bucket, "bucket.with.dots");
    EXPECT_EQ(uri->key, key);
    EXPECT_EQ(uri->str(), "s3://bucket.with.dots/" + key);
  }
}

TEST(S3Uri, StrRoundTrips) {
  const S3Uri original{"b", "k/ey with space"};
  const auto parsed = parse_s3_uri(original.str());
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(*parsed, original);
}

TEST(S3Uri, WrongScheme) {
  for (const char* text : {"https://b/k", "S3://b/k", "s3:/b/k", "b/k", ""}) {
    EXPECT_TRUE(fails_with(parse_s3_uri(text), "InvalidS3Uri", {"s3://"})) << text;
  }
}

TEST(S3Uri, EmptyBucket) {
  EXPECT_TRUE(fails_with(parse_s3_uri("s3:///key"), "InvalidS3Uri", {"bucket is empty"}));
  EXPECT_TRUE(fails_with(parse_s3_uri("s3://"), "InvalidS3Uri", {"bucket is empty"}));
}

TEST(S3Uri, EmptyKey) {
  EXPECT_TRUE(fails_with(parse_s3_uri("s3://bucket"), "InvalidS3Uri", {"'s3://bucket'", "key"}));
  EXPECT_TRUE(fails_with(parse_s3_uri("s3://bucket/"), "InvalidS3Uri", {"key is empty"}));
}

TEST(S3Uri, BucketWithCharactersBucketsNeverHave) {
  EXPECT_TRUE(fails_with(parse_s3_uri("s3://my bucket/k"), "InvalidS3Uri", {"bucket name"}));
  EXPECT_TRUE(fails_with(parse_s3_uri("s3://bück/k"), "InvalidS3Uri", {"bucket name"}));
  EXPECT_TRUE(fails_with(parse_s3_uri("s3://b\nx/k"), "InvalidS3Uri", {"bucket name", "\\x0A"}));
}

}  // namespace
}  // namespace bulkqa
