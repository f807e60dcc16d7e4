// CloudFormation DescribeStacks against moto with IAM authentication on: a stack made through
// moto is read back, outputs and all, by a user allowed only cloudformation:DescribeStacks; a user
// without it is refused, and a missing stack is named.
#include "bulkqa/aws/cloudformation.hpp"

#include <gtest/gtest.h>

#include "support/moto.hpp"
#include "support/result_assertions.hpp"

namespace bulkqa::aws {
namespace {

using testing::allow_policy;
using testing::fails_with;
using testing::MotoServer;

// A bucket and two outputs: one from the bucket's name, one constant.
const nlohmann::json kTemplate = {
    {"Resources", {{"Bucket", {{"Type", "AWS::S3::Bucket"}}}}},
    {"Outputs",
     {{"BucketName", {{"Value", {{"Ref", "Bucket"}}}}}, {"Greeting", {{"Value", "hello"}}}}}};

class CloudFormationClientTest : public ::testing::Test {
 protected:
  static MotoServer& moto() { return MotoServer::shared(); }

  // CreateStack as the administrator, the way the query protocol takes it.
  void create_stack(const std::string& name) {
    ServiceClient cloudformation("cloudformation", moto().config(moto().admin()).cloudformation,
                                 "us-east-1", moto().admin(), http_);
    auto created = cloudformation.call(form_post_request({{"Action", "CreateStack"},
                                                          {"Version", "2010-05-15"},
                                                          {"StackName", name},
                                                          {"TemplateBody", kTemplate.dump()}}));
    ASSERT_TRUE(created.ok()) << created.error().describe();
  }

  HttpClient http_;
};

TEST_F(CloudFormationClientTest, AUserAllowedDescribeStacksReadsTheOutputs) {
  const std::string stack = MotoServer::unique_name("portal-stack");
  create_stack(stack);
  const Credentials reader = moto().create_user(MotoServer::unique_name("stack-reader"),
                                                allow_policy("cloudformation:DescribeStacks", "*"));
  CloudFormationClient cloudformation(moto().config(reader), http_);
  auto described = cloudformation.describe_stack(stack);
  ASSERT_TRUE(described.ok()) << described.error().describe();
  EXPECT_EQ(described->name, stack);
  EXPECT_EQ(described->status, "CREATE_COMPLETE");
  ASSERT_EQ(described->outputs.size(), 2u);
  EXPECT_EQ(described->outputs.at("Greeting"), "hello");
  EXPECT_FALSE(described->outputs.at("BucketName").empty());
}

TEST_F(CloudFormationClientTest, AUserWithoutDescribeStacksIsRefused) {
  const std::string stack = MotoServer::unique_name("portal-stack");
  create_stack(stack);
  const Credentials stranger = moto().create_user(MotoServer::unique_name("stack-stranger"),
                                                  allow_policy("s3:GetObject", "*"));
  auto refused = CloudFormationClient(moto().config(stranger), http_).describe_stack(stack);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().http_status, 403) << refused.error().describe();
  EXPECT_EQ(refused.error().service, "cloudformation");
  EXPECT_NE(refused.error().message.find(stack), std::string::npos);
}

TEST_F(CloudFormationClientTest, AMissingStackIsStackNotFoundNamingItAndTheRegion) {
  const Credentials reader = moto().create_user(MotoServer::unique_name("stack-reader"),
                                                allow_policy("cloudformation:DescribeStacks", "*"));
  const std::string missing = MotoServer::unique_name("no-such-stack");
  EXPECT_TRUE(fails_with(CloudFormationClient(moto().config(reader), http_).describe_stack(missing),
                         errc::kStackNotFound, {"'" + missing + "'", "us-east-1"}));
}

}  // namespace
}  // namespace bulkqa::aws
