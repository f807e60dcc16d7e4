#include "bulkqa/aws/config.hpp"

#include <gtest/gtest.h>

#include <cstdlib>

#include "support/environment_map.hpp"

namespace bulkqa::aws {
namespace {

// Sets the AWS variables for one test and restores a clean slate afterwards.
class AwsConfigTest : public ::testing::Test {
 protected:
  void SetUp() override { clear(); }
  void TearDown() override { clear(); }
  static void clear() {
    for (const char* name :
         {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_REGION",
          "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3",
          "AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL_CLOUDFORMATION"}) {
      ::unsetenv(name);
    }
  }
  static void set_keys() {
    ::setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE", 1);
    ::setenv("AWS_SECRET_ACCESS_KEY", "secret", 1);
  }
};

TEST_F(AwsConfigTest, RealAwsEndpointsByDefaultWithVirtualHostedS3) {
  set_keys();
  ::setenv("AWS_REGION", "eu-west-1", 1);
  auto config = aws_config_from_environment();
  ASSERT_TRUE(config.ok()) << config.error().describe();
  EXPECT_EQ(config->region, "eu-west-1");
  EXPECT_EQ(config->s3.url(), "https://s3.eu-west-1.amazonaws.com");
  EXPECT_EQ(config->dynamodb.url(), "https://dynamodb.eu-west-1.amazonaws.com");
  EXPECT_FALSE(config->s3_path_style);
  EXPECT_TRUE(config->credentials.session_token.empty());
}

TEST_F(AwsConfigTest, SessionTokenAndDefaultRegionAreRead) {
  set_keys();
  ::setenv("AWS_SESSION_TOKEN", "token", 1);
  ::setenv("AWS_DEFAULT_REGION", "us-west-2", 1);
  auto config = aws_config_from_environment();
  ASSERT_TRUE(config.ok());
  EXPECT_EQ(config->credentials.session_token, "token");
  EXPECT_EQ(config->region, "us-west-2");
}

TEST_F(AwsConfigTest, ServiceOverridesBeatTheGlobalOneAndMakeS3PathStyle) {
  set_keys();
  ::setenv("AWS_REGION", "us-east-1", 1);
  ::setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:5000/", 1);
  ::setenv("AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:8000/prefix", 1);
  auto config = aws_config_from_environment();
  ASSERT_TRUE(config.ok());
  EXPECT_EQ(config->s3.authority, "127.0.0.1:5000");
  EXPECT_EQ(config->s3.base_path, "");
  EXPECT_EQ(config->dynamodb.authority, "127.0.0.1:8000");
  EXPECT_EQ(config->dynamodb.base_path, "/prefix");
  EXPECT_TRUE(config->s3_path_style);
}

TEST_F(AwsConfigTest, MissingVariablesAreNamed) {
  auto no_key = aws_config_from_environment();
  ASSERT_FALSE(no_key.ok());
  EXPECT_NE(no_key.error().message.find("AWS_ACCESS_KEY_ID"), std::string::npos);
  set_keys();
  auto no_region = aws_config_from_environment();
  ASSERT_FALSE(no_region.ok());
  EXPECT_NE(no_region.error().message.find("AWS_REGION"), std::string::npos);
}

TEST_F(AwsConfigTest, AMalformedEndpointNamesItsVariable) {
  set_keys();
  ::setenv("AWS_REGION", "us-east-1", 1);
  ::setenv("AWS_ENDPOINT_URL_S3", "127.0.0.1:5000", 1);
  auto config = aws_config_from_environment();
  ASSERT_FALSE(config.ok());
  EXPECT_NE(config.error().message.find("AWS_ENDPOINT_URL_S3"), std::string::npos);
  EXPECT_FALSE(parse_endpoint("ftp://host", "X").ok());
  EXPECT_FALSE(parse_endpoint("http://", "X").ok());
}

TEST_F(AwsConfigTest, CloudFormationHasItsEndpointAndOverride) {
  set_keys();
  ::setenv("AWS_REGION", "eu-west-1", 1);
  EXPECT_EQ(aws_config_from_environment()->cloudformation.url(),
            "https://cloudformation.eu-west-1.amazonaws.com");
  ::setenv("AWS_ENDPOINT_URL_CLOUDFORMATION", "http://127.0.0.1:4566", 1);
  EXPECT_EQ(aws_config_from_environment()->cloudformation.url(), "http://127.0.0.1:4566");
}

TEST(AwsConfigFromCredentialChain, ResolvesRegionAndEndpointsAndKeepsTheGivenSource) {
  auto source = std::make_shared<StaticCredentialSource>(Credentials{"AKID", "secret", ""});
  auto config = aws_config_from_credential_chain(
      source, testing::environment_map({{"AWS_DEFAULT_REGION", "ap-southeast-2"},
                                        {"AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:8000"}}));
  ASSERT_TRUE(config.ok()) << config.error().describe();
  EXPECT_EQ(config->region, "ap-southeast-2");
  EXPECT_EQ(config->s3.url(), "https://s3.ap-southeast-2.amazonaws.com");
  EXPECT_FALSE(config->s3_path_style);
  EXPECT_EQ(config->dynamodb.url(), "http://127.0.0.1:8000");
  EXPECT_EQ(config->cloudformation.url(), "https://cloudformation.ap-southeast-2.amazonaws.com");
  EXPECT_EQ(config->credential_source, source);
  EXPECT_EQ(credential_source_of(*config), source);
  EXPECT_TRUE(config->credentials.access_key_id.empty());  // nothing asked yet
}

TEST(AwsConfigFromCredentialChain, WithoutASourceTheDefaultChainIsSet) {
  auto config = aws_config_from_credential_chain(
      nullptr, testing::environment_map({{"AWS_REGION", "us-east-1"}}));
  ASSERT_TRUE(config.ok()) << config.error().describe();
  EXPECT_NE(dynamic_cast<CredentialChain*>(config->credential_source.get()), nullptr);
}

TEST(AwsConfigFromCredentialChain, WithoutARegionTheErrorSaysWhereItLooked) {
  auto config = aws_config_from_credential_chain(nullptr, testing::environment_map({}));
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.error().code, errc::kInvalidConfiguration);
  EXPECT_NE(config.error().message.find("AWS_REGION"), std::string::npos);
}

TEST(CredentialSourceOf, FixedCredentialsWithoutASource) {
  AwsConfig config;
  config.credentials = {"AKID", "secret", "token"};
  auto source = credential_source_of(config);
  EXPECT_EQ(source->credentials().value().session_token, "token");
}

}  // namespace
}  // namespace bulkqa::aws
