// Pre-signed S3 GET URLs fetched with plain HTTP, without credentials, from moto with IAM on.
//
// moto 5 with IAM authentication does not check query signatures: its authentication reads the
// Authorization header of every request, and a pre-signed request has none, so moto fails with
// HTTP 500 (a KeyError in its log) whoever signed the URL, a known user or an unknown key. What
// these tests can assert on moto is that: the URL reaches moto's object route for the right
// bucket and key and is refused there alike for every signer. That the signature is S3's is shown
// by tests/unit/sigv4_botocore_test.cpp (equal to botocore's generate_presigned_url) and
// tests/unit/sigv4_test.cpp (the AWS suite's query-signing vectors).
#include <gtest/gtest.h>

#include <string>
#include <tuple>
#include <vector>

#include "bulkqa/aws/s3.hpp"
#include "support/moto.hpp"
#include "support/result_assertions.hpp"

namespace bulkqa::aws {
namespace {

using namespace std::chrono_literals;
using testing::allow_policy;
using testing::fails_with;
using testing::MotoServer;

class S3PresignedUrlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    bucket_ = MotoServer::unique_name("presigned");
    moto().create_bucket(bucket_);
    ASSERT_TRUE(S3Client(moto().config(moto().admin()), http_)
                    .put_object({bucket_, kKey, "png-bytes", "image/png"})
                    .ok());
    reader_ = moto().create_user(MotoServer::unique_name("reader"),
                                 allow_policy("s3:GetObject", "arn:aws:s3:::" + bucket_ + "/*"));
  }
  static MotoServer& moto() { return MotoServer::shared(); }

  Result<std::string> presigned_by(const Credentials& credentials) {
    return S3Client(moto().config(credentials), http_).presigned_get_url(bucket_, kKey, 300s);
  }

  static constexpr const char* kKey = "images/cat 1+(a)~é.png";
  HttpClient http_;
  std::string bucket_;
  Credentials reader_;
};

TEST_F(S3PresignedUrlTest, TheUrlAddressesTheObjectPathStyleWithItsSignatureInTheQuery) {
  auto url = presigned_by(reader_);
  ASSERT_TRUE(url.ok()) << url.error().describe();
  const std::string object =
      moto().endpoint() + "/" + bucket_ + "/images/cat%201%2B%28a%29~%C3%A9.png?";
  EXPECT_TRUE(url->starts_with(object)) << *url;
  const std::vector<std::string> parts = {
      "X-Amz-Algorithm=AWS4-HMAC-SHA256", "X-Amz-Credential=" + reader_.access_key_id + "%2F",
      "X-Amz-Expires=300", "X-Amz-SignedHeaders=host", "X-Amz-Signature="};
  for (const std::string& part : parts) {
    EXPECT_NE(url->find(part), std::string::npos) << part << " in " << *url;
  }
  EXPECT_EQ(url->find("X-Amz-Security-Token"), std::string::npos);  // long-term keys
  // The signed client reads the same object: the URL names one that exists.
  EXPECT_EQ(S3Client(moto().config(reader_), http_).get_object(bucket_, kKey).value(), "png-bytes");
}

TEST_F(S3PresignedUrlTest, MotoWithIamAuthFailsEveryPresignedGetAlikeWhoeverSignedIt) {
  auto by_reader = presigned_by(reader_);
  auto by_unknown_key = presigned_by({"AKIAUNKNOWNKEY000000", "not-a-secret", ""});
  ASSERT_TRUE(by_reader.ok() && by_unknown_key.ok());
  for (const std::string& url : {*by_reader, *by_unknown_key}) {
    auto answer = http_.send({"GET", url, {}, ""});
    ASSERT_TRUE(answer.ok()) << answer.error().describe();
    EXPECT_EQ(answer->status, 500) << "moto now answers pre-signed GETs: assert the object here";
    EXPECT_NE(answer->body, "png-bytes");
  }
}

TEST_F(S3PresignedUrlTest, AnExpiryBeyondOneHourOrBelowOneSecondIsRefused) {
  S3Client s3(moto().config(reader_), http_);
  EXPECT_TRUE(s3.presigned_get_url(bucket_, kKey, 3600s).ok());
  EXPECT_TRUE(s3.presigned_get_url(bucket_, kKey, 1s).ok());
  EXPECT_TRUE(fails_with(s3.presigned_get_url(bucket_, kKey, 3601s), errc::kInvalidRequest,
                         {"1 to 3600 seconds", "3601"}));
  EXPECT_TRUE(
      fails_with(s3.presigned_get_url(bucket_, kKey, 0s), errc::kInvalidRequest, {"not 0"}));
}

// The portal's Content-Security-Policy allows each image bucket's origin: every pre-signed URL
// of a bucket is within it, virtual-hosted on AWS (a dotted bucket in the path) or path-style.
TEST(S3BucketOrigin, IsTheOriginOfTheBucketsPresignedUrls) {
  AwsConfig aws;
  aws.credentials = {"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""};
  aws.region = "eu-west-1";
  aws.s3 = {"https", "s3.eu-west-1.amazonaws.com", ""};
  AwsConfig path_style = aws;
  path_style.s3 = {"http", "127.0.0.1:4566", ""};
  path_style.s3_path_style = true;
  HttpClient http;
  const std::vector<std::tuple<AwsConfig, std::string, std::string>> cases = {
      {aws, "review-images", "https://review-images.s3.eu-west-1.amazonaws.com"},
      {aws, "review.images", "https://s3.eu-west-1.amazonaws.com"},
      {path_style, "review-images", "http://127.0.0.1:4566"}};
  for (const auto& [config, bucket, origin] : cases) {
    EXPECT_EQ(s3_bucket_origin(config, bucket), origin);
    auto url = S3Client(config, http).presigned_get_url(bucket, "crab/1.jpg", 60s);
    ASSERT_TRUE(url.ok()) << url.error().describe();
    EXPECT_TRUE(url->starts_with(origin + "/")) << *url;
  }
}

}  // namespace
}  // namespace bulkqa::aws
