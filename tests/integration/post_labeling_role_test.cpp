// Post-labeling reading Ground Truth's output as the event's roleArn (BULKQA_ASSUME_EVENT_ROLE),
// against moto with IAM authentication on: the output bucket is readable by the role only, so the
// flow passes when the function assumes it and is refused when it reads as itself.
#include <gtest/gtest.h>

#include "bulkqa/aws/dynamodb.hpp"
#include "bulkqa/aws/s3.hpp"
#include "support/function_harness.hpp"
#include "support/moto.hpp"

namespace bulkqa {
namespace {

using nlohmann::json;
using testing::MotoServer;

json statement(const json& actions, const std::string& resource) {
  return {{"Effect", "Allow"}, {"Action", actions}, {"Resource", resource}};
}

json policy(const json& statements) {
  return {{"Version", "2012-10-17"}, {"Statement", statements}};
}

class PostLabelingRoleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    stack_bucket_ = MotoServer::unique_name("role-stack");
    output_bucket_ = MotoServer::unique_name("role-output");
    table_ = MotoServer::unique_name("role-table");
    moto().create_bucket(stack_bucket_);
    moto().create_bucket(output_bucket_);
    moto().create_image_table(table_);
    role_arn_ = moto().create_role(
        MotoServer::unique_name("ground-truth"),
        policy(json::array({statement("s3:GetObject", "arn:aws:s3:::" + output_bucket_ + "/*")})));
    // moto authorizes DynamoDB by action only (its resource is always "*").
    const auto function_user = moto().create_user(
        MotoServer::unique_name("post-labeling"),
        policy(
            json::array({statement("s3:GetObject", "arn:aws:s3:::" + stack_bucket_ + "/*"),
                         statement(json::array({"dynamodb:UpdateItem", "dynamodb:GetItem"}), "*"),
                         statement("sts:AssumeRole", role_arn_)})));
    environment_ = moto().environment(function_user);
    environment_["BULKQA_TABLE"] = table_;
    environment_["BULKQA_BUCKET"] = stack_bucket_;

    url_ = "s3://" + stack_bucket_ + "/crab/1.jpg";
    ASSERT_TRUE(
        dynamodb_.put_item(table_, {{"s3_image_url", {{"S", url_}}}, {"label", {{"S", "Crab"}}}})
            .ok());
    const json batch =
        json::array({{{"s3_image_url", url_}, {"label", "Crab"}, {"confidence", 99}}});
    ASSERT_TRUE(s3_.put_object({stack_bucket_, "batches/0.json", batch.dump()}).ok());
    // One answer inline, one stored in the output bucket as Ground Truth does for large ones.
    ASSERT_TRUE(
        s3_.put_object({output_bucket_, "answers/b.json", R"({"Crab-0":{"Confirmed":true}})"})
            .ok());
    const json payload = json::array(
        {{{"datasetObjectId", "0"},
          {"dataObject", {{"s3Uri", "s3://" + stack_bucket_ + "/batches/0.json"}}},
          {"annotations",
           {{{"workerId", "a"},
             {"annotationData", {{"content", R"({"Crab-0":{"Confirmed":true}})"}}}},
            {{"workerId", "b"},
             {"annotationData", {{"s3Uri", "s3://" + output_bucket_ + "/answers/b.json"}}}}}}}});
    ASSERT_TRUE(s3_.put_object({output_bucket_, "request.json", payload.dump()}).ok());
  }
  static MotoServer& moto() { return MotoServer::shared(); }

  json event() const {
    return {{"version", "2018-10-06"},
            {"labelingJobArn", "arn:aws:sagemaker:us-east-1:123456789012:labeling-job/role"},
            {"labelAttributeName", "qa"},
            {"roleArn", role_arn_},
            {"payload", {{"s3Uri", "s3://" + output_bucket_ + "/request.json"}}}};
  }

  std::string stack_bucket_, output_bucket_, table_, role_arn_, url_;
  std::map<std::string, std::string> environment_;
  aws::HttpClient http_;
  aws::S3Client s3_{moto().config(moto().admin()), http_};
  aws::DynamoDbClient dynamodb_{moto().config(moto().admin()), http_};
};

TEST_F(PostLabelingRoleTest, ReadsGroundTruthOutputAsTheEventRole) {
  environment_["BULKQA_ASSUME_EVENT_ROLE"] = "true";
  testing::FunctionUnderTest post_labeling("bulkqa-post-labeling", environment_);
  const json answer = post_labeling.invoke_ok(event());
  EXPECT_EQ(answer[0]["consolidatedAnnotation"]["content"]["qa"]["images"][0]["confirm_count"], 2);
  auto item =
      dynamodb_.get_item(table_, {{"s3_image_url", {{"S", url_}}}, {"label", {{"S", "Crab"}}}});
  ASSERT_TRUE(item.ok() && item->has_value());
  EXPECT_EQ((**item)["WorkerConfirmCount"]["N"], "2");
}

TEST_F(PostLabelingRoleTest, ByDefaultReadsAsItselfAndIsRefused) {
  testing::FunctionUnderTest post_labeling("bulkqa-post-labeling", environment_);
  const auto result = post_labeling.invoke(event());
  ASSERT_FALSE(result.ok);
  EXPECT_EQ(result.error_type, "AccessDenied") << result.error_message;
  auto item =
      dynamodb_.get_item(table_, {{"s3_image_url", {{"S", url_}}}, {"label", {{"S", "Crab"}}}});
  ASSERT_TRUE(item.ok() && item->has_value());
  EXPECT_FALSE((**item).contains("WorkerConfirmCount"));
}

TEST_F(PostLabelingRoleTest, ARoleItCannotAssumeFailsTheInvocationNamingTheRole) {
  environment_["BULKQA_ASSUME_EVENT_ROLE"] = "true";
  testing::FunctionUnderTest post_labeling("bulkqa-post-labeling", environment_);
  json other = event();
  other["roleArn"] = "arn:aws:iam::123456789012:role/not-this-one";
  const auto result = post_labeling.invoke(other);
  ASSERT_FALSE(result.ok);
  EXPECT_NE(result.error_message.find("not-this-one"), std::string::npos) << result.error_message;
}

}  // namespace
}  // namespace bulkqa
