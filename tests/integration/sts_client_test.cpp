// STS AssumeRole against moto with IAM authentication on: the role's temporary credentials reach
// what the role may reach and the caller may not, are reused until shortly before they expire, and
// a caller without sts:AssumeRole is refused.
#include <gtest/gtest.h>

#include "bulkqa/aws/s3.hpp"
#include "bulkqa/aws/sts.hpp"
#include "support/moto.hpp"

namespace bulkqa::aws {
namespace {

using testing::allow_policy;
using testing::MotoServer;
using namespace std::chrono_literals;

class StsClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    bucket_ = MotoServer::unique_name("sts-bucket");
    moto().create_bucket(bucket_);
    ASSERT_TRUE(admin_s3_.put_object({bucket_, "secret.json", "{}"}).ok());
    role_arn_ = moto().create_role(MotoServer::unique_name("reader-role"),
                                   allow_policy("s3:GetObject", "arn:aws:s3:::" + bucket_ + "/*"));
    caller_ = moto().create_user(MotoServer::unique_name("caller"),
                                 allow_policy("sts:AssumeRole", role_arn_));
  }
  static MotoServer& moto() { return MotoServer::shared(); }

  std::string bucket_, role_arn_;
  Credentials caller_;
  HttpClient http_;
  S3Client admin_s3_{moto().config(moto().admin()), http_};
};

TEST_F(StsClientTest, TheRoleCredentialsReachWhatTheCallerCannot) {
  S3Client as_caller(moto().config(caller_), http_);
  auto refused = as_caller.get_object(bucket_, "secret.json");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().http_status, 403);

  StsClient sts(moto().config(caller_), http_);
  auto credentials = sts.assume_role(role_arn_, "bulkqa-test");
  ASSERT_TRUE(credentials.ok()) << credentials.error().describe();
  EXPECT_FALSE(credentials->session_token.empty());
  EXPECT_NE(credentials->access_key_id, caller_.access_key_id);
  S3Client as_role(moto().config(*credentials), http_);
  auto read = as_role.get_object(bucket_, "secret.json");
  ASSERT_TRUE(read.ok()) << read.error().describe();
  EXPECT_EQ(*read, "{}");
}

TEST_F(StsClientTest, CredentialsAreReusedUntilShortlyBeforeTheyExpire) {
  StsClient sts(moto().config(caller_), http_);
  const auto now = std::chrono::system_clock::now();
  auto first = sts.assume_role(role_arn_, "bulkqa-test", now);
  ASSERT_TRUE(first.ok()) << first.error().describe();
  auto again = sts.assume_role(role_arn_, "bulkqa-test", now + 10min);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->access_key_id, first->access_key_id);
  // Within the renewal margin of the hour they were issued for: new credentials.
  auto renewed =
      sts.assume_role(role_arn_, "bulkqa-test", now + 1h - kCredentialRenewalMargin + 1min);
  ASSERT_TRUE(renewed.ok());
  EXPECT_NE(renewed->access_key_id, first->access_key_id);
}

TEST_F(StsClientTest, ACallerWithoutPermissionIsRefusedNamingTheRole) {
  const auto stranger =
      moto().create_user(MotoServer::unique_name("stranger"), allow_policy("s3:ListBucket", "*"));
  StsClient sts(moto().config(stranger), http_);
  auto refused = sts.assume_role(role_arn_, "bulkqa-test");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().http_status, 403) << refused.error().describe();
  EXPECT_NE(refused.error().message.find(role_arn_), std::string::npos);
}

}  // namespace
}  // namespace bulkqa::aws
