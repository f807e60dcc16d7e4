// Dot segments in S3 keys: "./a/1.jpg" is a key like any other, and "../other/secret.json" must
// not take a request out of its bucket. A path goes out exactly as the S3 client built and signed
// it: a server that records request lines sees the dot segments, and moto stores and serves such
// keys under their own names.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "bulkqa/aws/http.hpp"
#include "bulkqa/aws/s3.hpp"
#include "support/function_harness.hpp"
#include "support/moto.hpp"
#include "support/request_line_server.hpp"
#include "support/test_stack.hpp"

namespace bulkqa {
namespace {

using nlohmann::json;
using Lines = std::vector<std::string>;

aws::AwsConfig config_for(const testing::RequestLineServer& server) {
  aws::AwsConfig config;
  config.credentials = {"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""};
  config.region = "us-east-1";
  config.s3 = aws::parse_endpoint(server.endpoint(), "test").value();
  config.s3_path_style = true;
  return config;
}

TEST(HostilePaths, TheHttpClientSendsDotSegmentsAsTheyAre) {
  testing::RequestLineServer server;
  aws::HttpClient http;
  for (const char* path : {"/stack/../other/secret.json", "/bucket/./a/1.jpg", "/a//b/.."}) {
    ASSERT_TRUE(http.send({"GET", server.endpoint() + path, {}, ""}).ok()) << path;
  }
  EXPECT_EQ(server.request_lines(),
            (Lines{"GET /stack/../other/secret.json HTTP/1.1", "GET /bucket/./a/1.jpg HTTP/1.1",
                   "GET /a//b/.. HTTP/1.1"}));
}

TEST(HostilePaths, AnS3KeyCannotLeaveItsBucket) {
  testing::RequestLineServer server;
  aws::HttpClient http;
  aws::S3Client s3(config_for(server), http);
  EXPECT_FALSE(s3.get_object("stack", "../other/secret.json").ok());
  EXPECT_FALSE(s3.get_object("bucket", "./a/1.jpg").ok());
  EXPECT_FALSE(s3.get_object("bucket", "../(1)!*'+=:,;@ é.jpg").ok());
  // Encoded as botocore encodes a key (percent_encode(key, safe="/~")), whose signature of such a
  // path tests/unit/sigv4_botocore_test.cpp matches: the path sent is the path signed.
  EXPECT_EQ(server.request_lines(),
            (Lines{"GET /stack/../other/secret.json HTTP/1.1", "GET /bucket/./a/1.jpg HTTP/1.1",
                   "GET /bucket/../%281%29%21%2A%27%2B%3D%3A%2C%3B%40%20%C3%A9.jpg HTTP/1.1"}));
}

TEST(HostilePaths, PreLabelingReadsADotDotSourceOnlyFromTheStackBucket) {
  testing::RequestLineServer server;
  testing::FunctionUnderTest pre_labeling("bulkqa-pre-labeling",
                                          {{"AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"},
                                           {"AWS_SECRET_ACCESS_KEY", "secret"},
                                           {"AWS_REGION", "us-east-1"},
                                           {"AWS_ENDPOINT_URL", server.endpoint()},
                                           {"BULKQA_BUCKET", "stack-bucket"}});
  const auto result = pre_labeling.invoke(
      {{"version", "2018-10-06"},
       {"labelingJobArn", testing::kJobArn},
       {"dataObject", {{"source-ref", "s3://stack-bucket/../other-bucket/secret.json"}}}});
  EXPECT_FALSE(result.ok);
  EXPECT_EQ(server.request_lines(),
            (Lines{"GET /stack-bucket/../other-bucket/secret.json HTTP/1.1"}));
}

TEST(HostilePaths, KeysWithDotSegmentsRoundTripThroughMoto) {
  testing::TestStack stack;
  const Lines keys{"./a/1.jpg", "a/../b.jpg", "../c.jpg", "d/./.."};
  for (const std::string& key : keys) {
    ASSERT_TRUE(stack.s3().put_object({stack.stack_bucket, key, "content of " + key}).ok()) << key;
  }
  std::map<std::string, std::string> expected;
  for (const std::string& key : keys) expected[key] = "content of " + key;
  EXPECT_EQ(stack.stack_objects(), expected);
}

TEST(HostilePaths, MotoKeepsADotDotKeyInItsBucket) {
  testing::TestStack stack;
  ASSERT_TRUE(stack.s3().put_object({stack.source_bucket, "secret.json", "secret"}).ok());
  auto read =
      stack.s3().get_object(stack.stack_bucket, "../" + stack.source_bucket + "/secret.json");
  ASSERT_FALSE(read.ok()) << *read;
  EXPECT_EQ(read.error().code, "NoSuchKey") << read.error().describe();
}

TEST(HostilePaths, LaunchCopiesAnImageWhoseCorpusPathStartsWithADotSegment) {
  testing::TestStack stack;
  testing::ResponseReceiver receiver;
  ASSERT_TRUE(
      stack.s3()
          .put_object({stack.source_bucket, std::string(testing::kImagePrefix) + "./a/1.jpg",
                       "image", "image/jpeg"})
          .ok());
  ASSERT_TRUE(stack.s3()
                  .put_object({stack.launch_bucket, "corpus/dot.csv",
                               "image_local_path,label,confidence\n./a/1.jpg,Crab,90\n"})
                  .ok());
  testing::FunctionUnderTest launch("bulkqa-launch", stack.environment());
  launch.invoke_ok(
      stack.custom_resource_event("Create", receiver->url("dot"), "dot", "corpus/dot.csv"));
  EXPECT_EQ(receiver->response("dot")["Status"], "SUCCESS") << receiver->response("dot").dump();
  const auto objects = stack.stack_objects();
  ASSERT_TRUE(objects.contains("./a/1.jpg"));
  EXPECT_EQ(objects.at("./a/1.jpg"), "image");
  const json batch = stack.manifest_batches().at(0);
  EXPECT_EQ(batch.at(0).at("s3_image_url"), "s3://" + stack.stack_bucket + "/./a/1.jpg");
}

}  // namespace
}  // namespace bulkqa
