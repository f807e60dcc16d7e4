// The bodies of S3's and DynamoDB's answers, read without a network.
#include <gtest/gtest.h>

#include "bulkqa/aws/dynamodb.hpp"
#include "bulkqa/aws/s3.hpp"
#include "support/result_assertions.hpp"

namespace bulkqa::aws {
namespace {

using bulkqa::testing::fails_with;

TEST(AwsResponsesTest, ListingDecodesUrlEncodedKeysAndKeepsTheToken) {
  const auto listing = parse_list_objects_response(
      R"(<?xml version="1.0" encoding="UTF-8"?><ListBucketResult><EncodingType>url</EncodingType>)"
      R"(<IsTruncated>true</IsTruncated><NextContinuationToken>t/1=</NextContinuationToken>)"
      R"(<Contents><Key>a%20b%26c%E2%82%AC</Key></Contents><Contents><Key>d+e</Key></Contents>)"
      R"(</ListBucketResult>)");
  ASSERT_TRUE(listing.ok()) << listing.error().describe();
  EXPECT_EQ(listing->keys, (std::vector<std::string>{"a b&c\u20ac", "d+e"}));
  EXPECT_EQ(listing->next_continuation_token, "t/1=");
}

TEST(AwsResponsesTest, ListingWithoutEncodingTypeKeepsKeysAsSent) {
  const auto listing = parse_list_objects_response(
      "<ListBucketResult><Contents><Key>a%20b</Key></Contents></ListBucketResult>");
  ASSERT_TRUE(listing.ok()) << listing.error().describe();
  EXPECT_EQ(listing->keys, std::vector<std::string>{"a%20b"});
  EXPECT_FALSE(listing->next_continuation_token);
}

TEST(AwsResponsesTest, MalformedListingsAreRefused) {
  EXPECT_TRUE(fails_with(parse_list_objects_response("<ListBucketResult>"), "MalformedResponse",
                         {"ListObjectsV2", "not XML"}));
  EXPECT_TRUE(fails_with(parse_list_objects_response("<Other/>"), "MalformedResponse",
                         {"no ListBucketResult"}));
  EXPECT_TRUE(
      fails_with(parse_list_objects_response(
                     "<ListBucketResult><IsTruncated>true</IsTruncated></ListBucketResult>"),
                 "MalformedResponse", {"without a token"}));
}

TEST(AwsResponsesTest, DeleteAnswerNamesTheKeysNotDeleted) {
  const auto failures = parse_delete_objects_response(
      "<DeleteResult><Deleted><Key>a</Key></Deleted><Error><Key>b</Key><Code>AccessDenied</Code>"
      "<Message>Access Denied</Message></Error></DeleteResult>");
  ASSERT_TRUE(failures.ok()) << failures.error().describe();
  ASSERT_EQ(failures->size(), 1u);
  EXPECT_EQ((*failures)[0].key, "b");
  EXPECT_EQ((*failures)[0].error.code, "AccessDenied");
  EXPECT_EQ((*failures)[0].error.service, "s3");
  EXPECT_TRUE(fails_with(parse_delete_objects_response("<DeleteResult"), "MalformedResponse",
                         {"DeleteObjects"}));
}

TEST(AwsResponsesTest, DynamoDbAnswerMustBeAnObject) {
  const auto answer = parse_dynamodb_answer("GetItem", R"({"Item":{"k":{"S":"v"}}})");
  ASSERT_TRUE(answer.ok()) << answer.error().describe();
  EXPECT_EQ((*answer)["Item"]["k"]["S"], "v");
  for (const char* body : {"", "[]", "\"text\"", "{"}) {
    const auto refused = parse_dynamodb_answer("GetItem", body);
    EXPECT_TRUE(fails_with(refused, "MalformedResponse", {"GetItem", "not a JSON object"})) << body;
    if (!refused) {
      EXPECT_EQ(refused.error().service, "dynamodb");
    }
  }
}

TEST(AwsResponsesTest, ScanPageHoldsItemsAndTheKeyToGoOn) {
  const auto page = parse_scan_page(nlohmann::json::parse(
      R"({"Items":[{"k":{"S":"1"}},{"k":{"S":"2"}}],"LastEvaluatedKey":{"k":{"S":"2"}}})"));
  ASSERT_TRUE(page.ok()) << page.error().describe();
  EXPECT_EQ(page->items.size(), 2u);
  EXPECT_EQ(page->last_evaluated_key, nlohmann::json::parse(R"({"k":{"S":"2"}})"));

  const auto last = parse_scan_page(nlohmann::json::object());
  ASSERT_TRUE(last.ok()) << last.error().describe();
  EXPECT_TRUE(last->items.empty());
  EXPECT_FALSE(last->last_evaluated_key);
}

TEST(AwsResponsesTest, MalformedScanPagesAreRefused) {
  EXPECT_TRUE(fails_with(parse_scan_page(nlohmann::json::parse(R"({"Items":"x"})")),
                         "MalformedResponse", {"Items is not an array"}));
  EXPECT_TRUE(fails_with(parse_scan_page(nlohmann::json::parse(R"({"Items":[1]})")),
                         "MalformedResponse", {"not an object"}));
  EXPECT_TRUE(fails_with(parse_scan_page(nlohmann::json::parse(R"({"LastEvaluatedKey":[]})")),
                         "MalformedResponse", {"LastEvaluatedKey"}));
}

}  // namespace
}  // namespace bulkqa::aws
