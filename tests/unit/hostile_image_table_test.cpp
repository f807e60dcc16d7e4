// Many votes on one image: the conditional UpdateItem grows with every vote, and DynamoDB refuses
// an expression over 4 KB. The votes are cut into updates that each stay within DynamoDB's
// limits, each one's condition covering exactly the vote ids it adds.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <string_view>

#include "bulkqa/functions/image_table.hpp"

namespace bulkqa::functions {
namespace {

using nlohmann::json;

constexpr std::size_t kDynamoDbMaxExpressionBytes = 4096;
constexpr std::size_t kDynamoDbMaxOperators = 300;

ImageVotes votes_of(std::size_t confirms, std::size_t disconfirms) {
  ImageVotes votes{{"s3://stack/crab/1.jpg", "Crab", 90}, {}, {}};
  for (std::size_t w = 0; w < confirms + disconfirms; ++w) {
    const std::string id = vote_id("arn:job", "0", "worker-" + std::to_string(w), 0);
    (w < confirms ? votes.confirm_ids : votes.disconfirm_ids).push_back(id);
  }
  return votes;
}

// Plain searches rather than std::regex, which GCC 12 with the sanitizers warns about
// (-Wmaybe-uninitialized inside std::function).
std::size_t occurrences(std::string_view text, std::string_view token) {
  std::size_t count = 0;
  for (auto at = text.find(token); at != std::string_view::npos; at = text.find(token, at + 1)) {
    ++count;
  }
  return count;
}

// DynamoDB counts the comparators, functions and logical operators of an expression.
std::size_t operators_in(std::string_view condition) {
  return occurrences(condition, " AND ") + occurrences(condition, "NOT ") +
         occurrences(condition, "contains(") + occurrences(condition, "attribute_exists(");
}

// The ids the request's condition checks, and those it adds to VoteIds.
std::multiset<std::string> checked_ids(const json& request) {
  std::multiset<std::string> ids;
  const std::string condition = request["ConditionExpression"];
  constexpr std::string_view kCheck = "NOT contains(VoteIds, ";
  for (auto at = condition.find(kCheck); at != std::string::npos;
       at = condition.find(kCheck, at + 1)) {
    const std::size_t start = at + kCheck.size();
    const std::string placeholder = condition.substr(start, condition.find(')', start) - start);
    ids.insert(request["ExpressionAttributeValues"][placeholder]["S"].get<std::string>());
  }
  return ids;
}

std::multiset<std::string> added_ids(const json& request) {
  const json& ids = request["ExpressionAttributeValues"][":ids"]["SS"];
  return {ids.begin(), ids.end()};
}

std::size_t added_count(const json& request, const char* placeholder) {
  const json& values = request["ExpressionAttributeValues"];
  return values.contains(placeholder) ? std::stoul(values[placeholder]["N"].get<std::string>()) : 0;
}

TEST(HostileImageTable, TwoHundredVotesOnOneImageFitDynamoDbsLimits) {
  const ImageVotes votes = votes_of(150, 50);
  const auto parts = split_votes(votes);
  ASSERT_EQ(parts.size(), 3u);
  std::multiset<std::string> every_id;
  std::size_t confirms = 0, disconfirms = 0;
  for (const auto& part : parts) {
    EXPECT_EQ(part.image, votes.image);
    const json request = add_votes_request("table", part);
    const std::string condition = request["ConditionExpression"];
    const std::string update = request["UpdateExpression"];
    EXPECT_LE(condition.size(), kDynamoDbMaxExpressionBytes);
    EXPECT_LE(update.size(), kDynamoDbMaxExpressionBytes);
    EXPECT_LE(operators_in(condition), kDynamoDbMaxOperators);
    // The condition covers exactly the ids the update adds, and the counts match them.
    EXPECT_EQ(checked_ids(request), added_ids(request));
    EXPECT_EQ(added_count(request, ":confirms"), part.confirm_ids.size());
    EXPECT_EQ(added_count(request, ":disconfirms"), part.disconfirm_ids.size());
    confirms += part.confirm_ids.size();
    disconfirms += part.disconfirm_ids.size();
    for (const auto& id : added_ids(request)) every_id.insert(id);
  }
  EXPECT_EQ(confirms, 150u);
  EXPECT_EQ(disconfirms, 50u);
  // Every vote in exactly one part.
  std::multiset<std::string> expected(votes.confirm_ids.begin(), votes.confirm_ids.end());
  expected.insert(votes.disconfirm_ids.begin(), votes.disconfirm_ids.end());
  EXPECT_EQ(every_id, expected);
}

TEST(HostileImageTable, UpToTheLimitTheVotesStayInOneUpdate) {
  const ImageVotes votes = votes_of(kMaxVotesPerUpdate - 1, 1);
  const auto parts = split_votes(votes);
  ASSERT_EQ(parts.size(), 1u);
  EXPECT_EQ(parts[0].confirm_ids, votes.confirm_ids);
  EXPECT_EQ(parts[0].disconfirm_ids, votes.disconfirm_ids);
  EXPECT_EQ(split_votes(votes_of(kMaxVotesPerUpdate, 1)).size(), 2u);
  EXPECT_TRUE(split_votes(votes_of(0, 0)).empty());
}

}  // namespace
}  // namespace bulkqa::functions
