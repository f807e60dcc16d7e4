// The DynamoDB client against a real moto_server with IAM authentication on.
#include <gtest/gtest.h>

#include <set>

#include "bulkqa/aws/dynamodb.hpp"
#include "support/moto.hpp"

namespace bulkqa {
namespace {

using testing::MotoServer;

nlohmann::json key_of(const std::string& url) {
  return {{"s3_image_url", {{"S", url}}}, {"label", {{"S", "Crab"}}}};
}

class DynamoDbClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    table_ = MotoServer::unique_name("images");
    moto().create_image_table(table_);
  }
  static MotoServer& moto() { return MotoServer::shared(); }

  aws::HttpClient http_;
  aws::DynamoDbClient dynamodb_{moto().config(moto().admin()), http_};
  std::string table_;
};

TEST_F(DynamoDbClientTest, PutThenGetRoundTripsTheItem) {
  nlohmann::json item = key_of("s3://b/crab/1.jpg");
  item["confidence"] = {{"N", "97.5"}};
  ASSERT_TRUE(dynamodb_.put_item(table_, item).ok());
  auto got = dynamodb_.get_item(table_, key_of("s3://b/crab/1.jpg"));
  ASSERT_TRUE(got.ok()) << got.error().describe();
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ((**got)["confidence"]["N"], "97.5");
  auto absent = dynamodb_.get_item(table_, key_of("s3://b/none.jpg"));
  ASSERT_TRUE(absent.ok());
  EXPECT_FALSE(absent->has_value());
}

TEST_F(DynamoDbClientTest, ConditionalUpdateIsRefusedWithATypedError) {
  ASSERT_TRUE(dynamodb_.put_item(table_, key_of("s3://b/x.jpg")).ok());
  const nlohmann::json add_once = {
      {"TableName", table_},
      {"Key", key_of("s3://b/x.jpg")},
      {"UpdateExpression", "ADD WorkerConfirmCount :one, VoteIds :ids"},
      {"ConditionExpression", "NOT contains(VoteIds, :id)"},
      {"ExpressionAttributeValues",
       {{":one", {{"N", "1"}}}, {":ids", {{"SS", {"v1"}}}}, {":id", {{"S", "v1"}}}}}};
  ASSERT_TRUE(dynamodb_.update_item(add_once).ok());
  auto again = dynamodb_.update_item(add_once);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, "ConditionalCheckFailedException");
  EXPECT_FALSE(again.error().retryable);
  EXPECT_EQ((**dynamodb_.get_item(table_, key_of("s3://b/x.jpg")))["WorkerConfirmCount"]["N"], "1");
}

TEST_F(DynamoDbClientTest, ConcurrentPutsStoreEveryItemAndScanPagesThroughThemAll) {
  std::vector<nlohmann::json> puts;
  std::set<std::string> expected;
  for (int i = 0; i < 1234; ++i) {
    const std::string url = "s3://b/img-" + std::to_string(i) + ".jpg";
    expected.insert(url);
    nlohmann::json item = key_of(url);
    // Large enough that a scan of all items takes more than one 1 MB page.
    item["padding"] = {{"S", std::string(2000, 'p')}};
    puts.push_back({{"TableName", table_}, {"Item", std::move(item)}});
  }
  for (const auto& written : dynamodb_.call_all("PutItem", puts)) {
    ASSERT_TRUE(written.ok()) << written.error().describe();
  }

  auto first_page = dynamodb_.call("Scan", {{"TableName", table_}});
  ASSERT_TRUE(first_page.ok());
  EXPECT_TRUE(first_page->contains("LastEvaluatedKey")) << "the scan should need several pages";

  auto scanned = dynamodb_.scan_all(table_);
  ASSERT_TRUE(scanned.ok()) << scanned.error().describe();
  std::set<std::string> urls;
  for (const auto& item : *scanned) urls.insert(item["s3_image_url"]["S"].get<std::string>());
  EXPECT_EQ(urls, expected);
}

TEST_F(DynamoDbClientTest, MissingTableIsResourceNotFound) {
  auto got = dynamodb_.get_item("no-such-table", key_of("s3://b/x.jpg"));
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().code, "ResourceNotFoundException");
  EXPECT_EQ(got.error().http_status, 400);
}

TEST_F(DynamoDbClientTest, AWrongSecretIsRefusedAndMotosXmlAnswerIsParsed) {
  aws::Credentials wrong = moto().admin();
  wrong.secret_access_key += "x";
  aws::DynamoDbClient impostor(moto().config(wrong), http_);
  auto got = impostor.get_item(table_, key_of("s3://b/x.jpg"));
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().code, "SignatureDoesNotMatch");
  EXPECT_EQ(got.error().http_status, 403);
}

TEST_F(DynamoDbClientTest, IamPolicyIsEnforced) {
  const nlohmann::json update_only = {
      {"Version", "2012-10-17"},
      {"Statement",
       {{{"Effect", "Allow"}, {"Action", {"dynamodb:UpdateItem"}}, {"Resource", "*"}}}}};
  aws::DynamoDbClient updater(
      moto().config(moto().create_user(MotoServer::unique_name("updater"), update_only)), http_);
  auto denied = updater.put_item(table_, key_of("s3://b/y.jpg"));
  ASSERT_FALSE(denied.ok());
  EXPECT_EQ(denied.error().http_status, 403);
  EXPECT_NE(denied.error().code.find("AccessDenied"), std::string::npos) << denied.error().code;
}

}  // namespace
}  // namespace bulkqa
