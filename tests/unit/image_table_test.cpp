// The image table's requests: the launch's upsert keeps votes, a vote's id is its identity, and
// the vote update refuses any vote already counted.
#include "bulkqa/functions/image_table.hpp"

#include <gtest/gtest.h>

#include <set>

namespace bulkqa::functions {
namespace {

using nlohmann::json;

const BatchItem kImage{"s3://stack/crab/1.jpg", "Crab", 91.25};

TEST(ImageUpsertRequest, SetsOnlyTheConfidenceSoCountedVotesStay) {
  const json request = image_upsert_request("images", kImage);
  EXPECT_EQ(request["TableName"], "images");
  EXPECT_EQ(request["Key"], image_key(kImage.s3_image_url, kImage.label));
  EXPECT_EQ(request["UpdateExpression"], "SET confidence = :confidence");
  EXPECT_EQ(request["ExpressionAttributeValues"][":confidence"]["N"], "91.25");
  EXPECT_FALSE(request.contains("ConditionExpression"));
  EXPECT_EQ(request.dump().find("Worker"), std::string::npos);
}

TEST(VoteId, IsTheSameForTheSameVoteAndDiffersInEveryPart) {
  const std::string job = "arn:aws:sagemaker:us-east-1:1:labeling-job/j";
  const std::string id = vote_id(job, "7", "worker-a", 3);
  EXPECT_EQ(id, vote_id(job, "7", "worker-a", 3));
  EXPECT_EQ(id.size(), 32u);
  const std::set<std::string> others = {
      id, vote_id(job + "2", "7", "worker-a", 3), vote_id(job, "8", "worker-a", 3),
      vote_id(job, "7", "worker-b", 3), vote_id(job, "7", "worker-a", 4)};
  EXPECT_EQ(others.size(), 5u);
}

TEST(VoteId, JoinsItsPartsUnambiguously) {
  EXPECT_NE(vote_id("a", "1", "2", 3), vote_id("a", "12", "", 3));
}

TEST(AddVotesRequest, AddsCountsAndIdsInOneConditionalUpdate) {
  const ImageVotes votes{kImage, {"c1", "c2"}, {"d1"}};
  const json request = add_votes_request("images", votes);
  EXPECT_EQ(request["Key"], image_key(kImage.s3_image_url, kImage.label));
  EXPECT_EQ(request["UpdateExpression"],
            "ADD VoteIds :ids, WorkerConfirmCount :confirms, WorkerDisconfirmCount :disconfirms");
  const json& values = request["ExpressionAttributeValues"];
  EXPECT_EQ(values[":confirms"]["N"], "2");
  EXPECT_EQ(values[":disconfirms"]["N"], "1");
  EXPECT_EQ(values[":ids"]["SS"], json::array({"c1", "c2", "d1"}));
  const std::string condition = request["ConditionExpression"];
  EXPECT_EQ(condition.find("attribute_exists(s3_image_url)"), 0u);
  for (int i = 0; i < 3; ++i) {
    const std::string placeholder = ":vote" + std::to_string(i);
    EXPECT_NE(condition.find("NOT contains(VoteIds, " + placeholder + ")"), std::string::npos);
  }
  EXPECT_EQ(values[":vote0"]["S"], "c1");
  EXPECT_EQ(values[":vote2"]["S"], "d1");
}

TEST(AddVotesRequest, OnlyConfirmsLeaveTheDisconfirmCountAlone) {
  const json request = add_votes_request("images", {kImage, {"c1"}, {}});
  EXPECT_EQ(request["UpdateExpression"], "ADD VoteIds :ids, WorkerConfirmCount :confirms");
  EXPECT_FALSE(request["ExpressionAttributeValues"].contains(":disconfirms"));
}

TEST(UncountedVotes, KeepsOnlyTheIdsTheItemDoesNotHold) {
  const ImageVotes votes{kImage, {"c1", "c2"}, {"d1", "d2"}};
  const json item = {{"VoteIds", {{"SS", {"c2", "d1", "other"}}}}};
  const ImageVotes remaining = uncounted_votes(votes, item);
  EXPECT_EQ(remaining.confirm_ids, std::vector<std::string>{"c1"});
  EXPECT_EQ(remaining.disconfirm_ids, std::vector<std::string>{"d2"});
}

TEST(UncountedVotes, AnItemWithoutVotesLeavesThemAll) {
  const ImageVotes votes{kImage, {"c1"}, {"d1"}};
  const ImageVotes remaining = uncounted_votes(votes, image_key(kImage.s3_image_url, "Crab"));
  EXPECT_EQ(remaining.confirm_ids, votes.confirm_ids);
  EXPECT_EQ(remaining.disconfirm_ids, votes.disconfirm_ids);
}

TEST(ReviewedImage, ReadsCountsAndTreatsAbsentOnesAsZero) {
  json item = image_key(kImage.s3_image_url, kImage.label);
  item["confidence"] = {{"N", "91.25"}};
  item["WorkerConfirmCount"] = {{"N", "3"}};
  const auto image = reviewed_image(item);
  ASSERT_TRUE(image.ok()) << image.error().describe();
  EXPECT_EQ(image->confirm_count, 3u);
  EXPECT_EQ(image->disconfirm_count, 0u);
  EXPECT_DOUBLE_EQ(image->confidence, 91.25);
}

TEST(ReviewedImage, ABadCountIsNamedWithTheItem) {
  json item = image_key(kImage.s3_image_url, kImage.label);
  item["confidence"] = {{"N", "91.25"}};
  item["WorkerDisconfirmCount"] = {{"S", "two"}};
  const auto image = reviewed_image(item);
  ASSERT_FALSE(image.ok());
  EXPECT_NE(image.error().message.find("WorkerDisconfirmCount"), std::string::npos);
  EXPECT_NE(image.error().message.find(kImage.s3_image_url), std::string::npos);
}

TEST(DynamoDbNumber, IsTheShortestTextThatReadsBackTheSame) {
  for (const double value : {0.0, 80.0, 91.25, 99.999, 1.0 / 3.0}) {
    EXPECT_EQ(std::stod(dynamodb_number(value)), value);
  }
  EXPECT_EQ(dynamodb_number(80.0), "80");
}

}  // namespace
}  // namespace bulkqa::functions
