#include "bulkqa/qa/custom_resource.hpp"

#include <string>

#include <gtest/gtest.h>

#include "bulkqa/util/text.hpp"
#include "support/result_assertions.hpp"

namespace bulkqa {
namespace {

using nlohmann::json;
using testing::fails_with;

json create_request() {
  return {
      {"RequestType", "Create"},
      {"ServiceToken", "arn:aws:lambda:us-east-1:123456789012:function:launch"},
      {"ResponseURL", "https://cloudformation-custom-resource-response.s3.amazonaws.com/x?sig=1"},
      {"StackId", "arn:aws:cloudformation:us-east-1:123456789012:stack/qa/abc"},
      {"RequestId", "b7a1c5b2-5f4e-4c3a-9d0f-1e2d3c4b5a69"},
      {"ResourceType", "Custom::Launch"},
      {"LogicalResourceId", "Launch"},
      {"ResourceProperties", {{"ServiceToken", "arn:..."}, {"S3Bucket", "out"}}}};
}

TEST(CustomResourceRequest, Create) {
  const auto request = parse_custom_resource_request(create_request());
  ASSERT_TRUE(request.ok()) << request.error().message;
  EXPECT_EQ(request->request_type, "Create");
  EXPECT_EQ(request->response_url,
            "https://cloudformation-custom-resource-response.s3.amazonaws.com/x?sig=1");
  EXPECT_EQ(request->stack_id, "arn:aws:cloudformation:us-east-1:123456789012:stack/qa/abc");
  EXPECT_EQ(request->request_id, "b7a1c5b2-5f4e-4c3a-9d0f-1e2d3c4b5a69");
  EXPECT_EQ(request->logical_resource_id, "Launch");
  EXPECT_EQ(request->physical_resource_id, "");
  EXPECT_EQ(request->resource_properties["S3Bucket"], "out");
  EXPECT_EQ(request->old_resource_properties, json::object());
}

TEST(CustomResourceRequest, UpdateAndDelete) {
  json update = create_request();
  update["RequestType"] = "Update";
  update["PhysicalResourceId"] = "qa-launch";
  update["OldResourceProperties"] = {{"S3Bucket", "old"}};
  const auto request = parse_custom_resource_request(update);
  ASSERT_TRUE(request.ok()) << request.error().message;
  EXPECT_EQ(request->physical_resource_id, "qa-launch");
  EXPECT_EQ(request->old_resource_properties["S3Bucket"], "old");

  json removal = create_request();
  removal["RequestType"] = "Delete";
  removal.erase("ResourceProperties");
  const auto deleted = parse_custom_resource_request(removal);
  ASSERT_TRUE(deleted.ok()) << deleted.error().message;
  EXPECT_EQ(deleted->request_type, "Delete");
  EXPECT_EQ(deleted->resource_properties, json::object());
}

TEST(CustomResourceRequest, ErrorsNameTheField) {
  for (const char* field :
       {"RequestType", "ResponseURL", "StackId", "RequestId", "LogicalResourceId"}) {
    json request = create_request();
    request.erase(field);
    EXPECT_TRUE(
        fails_with(parse_custom_resource_request(request), "InvalidRequest", {field, "missing"}));
  }
  json request = create_request();
  request["RequestType"] = "Replace";
  EXPECT_TRUE(fails_with(parse_custom_resource_request(request), "InvalidRequest",
                         {"RequestType", "'Replace'", "Create, Update, Delete"}));
  request = create_request();
  request["ResourceProperties"] = "S3Bucket=out";
  EXPECT_TRUE(fails_with(parse_custom_resource_request(request), "InvalidRequest",
                         {"ResourceProperties", "expected an object"}));
  request = create_request();
  request["PhysicalResourceId"] = 3;
  EXPECT_TRUE(fails_with(parse_custom_resource_request(request), "InvalidRequest",
                         {"PhysicalResourceId", "expected a string"}));
  EXPECT_TRUE(fails_with(parse_custom_resource_request("Create"), "InvalidRequest",
                         {"expected an object"}));
}

CustomResourceRequest parsed_create() {
  return parse_custom_resource_request(create_request()).value();
}

TEST(CustomResourceResponseBody, Success) {
  const std::string body = custom_resource_response_body(
      parsed_create(), {true, "", "qa-launch", {{"ManifestUri", "s3://out/manifest.jsonl"}}});
  const json document = json::parse(body);
  EXPECT_EQ(document["Status"], "SUCCESS");
  EXPECT_EQ(document["Reason"], "");
  EXPECT_EQ(document["PhysicalResourceId"], "qa-launch");
  EXPECT_EQ(document["StackId"], "arn:aws:cloudformation:us-east-1:123456789012:stack/qa/abc");
  EXPECT_EQ(document["RequestId"], "b7a1c5b2-5f4e-4c3a-9d0f-1e2d3c4b5a69");
  EXPECT_EQ(document["LogicalResourceId"], "Launch");
  EXPECT_EQ(document["Data"]["ManifestUri"], "s3://out/manifest.jsonl");
}

TEST(CustomResourceResponseBody, FailureFallsBackToTheRequestsIds) {
  const json failed_create = json::parse(
      custom_resource_response_body(parsed_create(), {false, "no corpus", "", nullptr}));
  EXPECT_EQ(failed_create["Status"], "FAILED");
  EXPECT_EQ(failed_create["Reason"], "no corpus");
  EXPECT_EQ(failed_create["PhysicalResourceId"], "Launch");
  EXPECT_EQ(failed_create["Data"], json::object());

  CustomResourceRequest update = parsed_create();
  update.request_type = "Update";
  update.physical_resource_id = "qa-launch";
  const json failed_update =
      json::parse(custom_resource_response_body(update, {false, "bad", "", nullptr}));
  EXPECT_EQ(failed_update["PhysicalResourceId"], "qa-launch");
}

TEST(CustomResourceResponseBody, LongMultiByteReasonIsCutAtACharacterBoundary) {
  std::string reason;
  while (reason.size() < 10000) reason += "ошибка 画像 ";  // 2- and 3-byte characters
  const std::string body =
      custom_resource_response_body(parsed_create(), {false, reason, "", nullptr});
  EXPECT_LE(body.size(), kMaxCustomResourceResponseBytes);
  // Nothing wasted: one more character (at most 4 bytes) plus slack would not have fitted.
  EXPECT_GT(body.size(), kMaxCustomResourceResponseBytes - 8);
  EXPECT_TRUE(is_valid_utf8(body));
  const std::string sent = json::parse(body)["Reason"];
  ASSERT_TRUE(sent.ends_with("…"));
  const std::string kept = sent.substr(0, sent.size() - std::string("…").size());
  EXPECT_TRUE(reason.starts_with(kept));
  EXPECT_GT(kept.size(), 3500u);
}

TEST(CustomResourceResponseBody, EscapingIsCountedInTheLimit) {
  // Each control character is sent as a six-byte \u00XX escape.
  const std::string reason(5000, '\x01');
  const std::string body =
      custom_resource_response_body(parsed_create(), {false, reason, "", nullptr});
  EXPECT_LE(body.size(), kMaxCustomResourceResponseBytes);
  const std::string sent = json::parse(body)["Reason"];
  EXPECT_TRUE(sent.ends_with("…"));
  EXPECT_GT(sent.size(), 500u);
}

TEST(CustomResourceResponseBody, ReasonAtTheLimitIsNotCut) {
  const std::string empty_body =
      custom_resource_response_body(parsed_create(), {false, "", "", nullptr});
  const std::string reason(kMaxCustomResourceResponseBytes - empty_body.size(), 'r');
  const std::string body =
      custom_resource_response_body(parsed_create(), {false, reason, "", nullptr});
  EXPECT_EQ(body.size(), kMaxCustomResourceResponseBytes);
  EXPECT_EQ(json::parse(body)["Reason"], reason);
  const std::string over =
      custom_resource_response_body(parsed_create(), {false, reason + "r", "", nullptr});
  EXPECT_LE(over.size(), kMaxCustomResourceResponseBytes);
  EXPECT_TRUE(json::parse(over)["Reason"].get<std::string>().ends_with("…"));
}

TEST(CustomResourceResponseBody, DataTooBigIsLeftOutAndSaid) {
  const json data = {{"Big", std::string(5000, 'd')}};
  const std::string body =
      custom_resource_response_body(parsed_create(), {true, "launched", "qa-launch", data});
  EXPECT_LE(body.size(), kMaxCustomResourceResponseBytes);
  const json document = json::parse(body);
  EXPECT_EQ(document["Status"], "SUCCESS");
  EXPECT_EQ(document["Data"], json::object());
  const std::string reason = document["Reason"];
  EXPECT_NE(reason.find("Data left out"), std::string::npos) << reason;
  EXPECT_NE(reason.find("launched"), std::string::npos) << reason;
}

TEST(CustomResourceResponseBody, DataTooBigAndLongReason) {
  const json data = {{"Big", std::string(5000, 'd')}};
  const std::string body = custom_resource_response_body(
      parsed_create(), {false, std::string(6000, 'e'), "qa-launch", data});
  EXPECT_LE(body.size(), kMaxCustomResourceResponseBytes);
  const std::string reason = json::parse(body)["Reason"];
  EXPECT_TRUE(reason.starts_with("Data left out"));
  EXPECT_TRUE(reason.ends_with("…"));
}

TEST(CustomResourceResponseBody, BadUtf8InReasonIsReplacedNotThrown) {
  const std::string body =
      custom_resource_response_body(parsed_create(), {false, "bad \xFF byte", "", nullptr});
  EXPECT_EQ(json::parse(body)["Reason"], "bad \xEF\xBF\xBD byte");
}

json launch_properties() {
  return {{"ServiceToken", "arn:aws:lambda:us-east-1:123456789012:function:launch"},
          {"S3Bucket", "out"},
          {"DynamoDBTable", "images"},
          {"LaunchBucket", "launch"},
          {"LabelCorpusKey", "corpus/shellfish.csv"},
          {"ImageSourceBucket", "images-src"}};
}

TEST(LaunchProperties, RequiredOnlyGivesDefaults) {
  const auto properties = parse_launch_properties(launch_properties());
  ASSERT_TRUE(properties.ok()) << properties.error().message;
  EXPECT_EQ(properties->s3_bucket, "out");
  EXPECT_EQ(properties->dynamodb_table, "images");
  EXPECT_EQ(properties->launch_bucket, "launch");
  EXPECT_EQ(properties->label_corpus_key, "corpus/shellfish.csv");
  EXPECT_EQ(properties->image_source_bucket, "images-src");
  EXPECT_EQ(properties->image_source_prefix, "");
  EXPECT_EQ(properties->qa_batch_size, 25u);
  EXPECT_EQ(properties->min_confidence, 0);
  EXPECT_EQ(properties->concurrency, 64u);
  EXPECT_TRUE(properties->copy_images);
}

TEST(LaunchProperties, NumbersAsCloudFormationStrings) {
  json given = launch_properties();
  given["ImageSourcePrefix"] = "caltech101/";
  given["QABatchSize"] = "10";
  given["MinConfidence"] = "80.5";
  given["Concurrency"] = "256";
  given["CopyImages"] = "false";
  const auto properties = parse_launch_properties(given);
  ASSERT_TRUE(properties.ok()) << properties.error().message;
  EXPECT_EQ(properties->image_source_prefix, "caltech101/");
  EXPECT_EQ(properties->qa_batch_size, 10u);
  EXPECT_EQ(properties->min_confidence, 80.5);
  EXPECT_EQ(properties->concurrency, 256u);
  EXPECT_FALSE(properties->copy_images);
}

TEST(LaunchProperties, NumbersAsJsonNumbers) {
  json given = launch_properties();
  given["QABatchSize"] = 1000;
  given["MinConfidence"] = 100;
  given["Concurrency"] = 1024;
  given["CopyImages"] = true;
  const auto properties = parse_launch_properties(given);
  ASSERT_TRUE(properties.ok()) << properties.error().message;
  EXPECT_EQ(properties->qa_batch_size, 1000u);
  EXPECT_EQ(properties->min_confidence, 100);
  EXPECT_EQ(properties->concurrency, 1024u);
  EXPECT_TRUE(properties->copy_images);
}

TEST(LaunchProperties, ConcurrencyMustBeAnIntegerFromOneTo1024) {
  for (const json& concurrency : {json("0"), json("1025"), json(0), json(64.5), json(-1)}) {
    json given = launch_properties();
    given["Concurrency"] = concurrency;
    EXPECT_TRUE(fails_with(parse_launch_properties(given), "InvalidProperties",
                           {"Concurrency", "1 to 1024"}))
        << concurrency;
  }
  json given = launch_properties();
  given["Concurrency"] = "many";
  EXPECT_TRUE(fails_with(parse_launch_properties(given), "InvalidProperties",
                         {"Concurrency", "'many'", "not a number"}));
}

TEST(LaunchProperties, CopyImagesMustBeTrueOrFalse) {
  for (const json& copy : {json("yes"), json("True"), json(""), json(1), json::array()}) {
    json given = launch_properties();
    given["CopyImages"] = copy;
    EXPECT_TRUE(fails_with(parse_launch_properties(given), "InvalidProperties",
                           {"CopyImages", "not true or false"}))
        << copy;
  }
}

TEST(LaunchProperties, MissingRequiredPropertyIsNamed) {
  for (const char* name :
       {"S3Bucket", "DynamoDBTable", "LaunchBucket", "LabelCorpusKey", "ImageSourceBucket"}) {
    json given = launch_properties();
    given.erase(name);
    EXPECT_TRUE(fails_with(parse_launch_properties(given), "InvalidProperties", {name, "missing"}));
    given[name] = "";
    EXPECT_TRUE(fails_with(parse_launch_properties(given), "InvalidProperties", {name, "empty"}));
    given[name] = 12;
    EXPECT_TRUE(fails_with(parse_launch_properties(given), "InvalidProperties",
                           {name, "expected a string"}));
  }
}

TEST(LaunchProperties, BatchSizeMustBeAnIntegerFromOneToAThousand) {
  for (const json& size : {json("0"), json("1001"), json("2.5"), json(0), json(-3), json(25.5)}) {
    json given = launch_properties();
    given["QABatchSize"] = size;
    EXPECT_TRUE(fails_with(parse_launch_properties(given), "InvalidProperties",
                           {"QABatchSize", "1 to 1000"}))
        << size;
  }
  json given = launch_properties();
  given["QABatchSize"] = "twenty";
  EXPECT_TRUE(fails_with(parse_launch_properties(given), "InvalidProperties",
                         {"QABatchSize", "'twenty'", "not a number"}));
  given["QABatchSize"] = json::array();
  EXPECT_TRUE(fails_with(parse_launch_properties(given), "InvalidProperties",
                         {"QABatchSize", "expected a number or a string"}));
}

TEST(LaunchProperties, MinConfidenceFromZeroToAHundred) {
  for (const json& value : {json("-1"), json("100.01"), json(-0.5), json(101)}) {
    json given = launch_properties();
    given["MinConfidence"] = value;
    EXPECT_TRUE(fails_with(parse_launch_properties(given), "InvalidProperties",
                           {"MinConfidence", "outside [0, 100]"}))
        << value;
  }
  json given = launch_properties();
  given["MinConfidence"] = "nan";
  EXPECT_TRUE(fails_with(parse_launch_properties(given), "InvalidProperties",
                         {"MinConfidence", "not a number"}));
}

TEST(LaunchProperties, OtherErrors) {
  json given = launch_properties();
  given["ImageSourcePrefix"] = json::object();
  EXPECT_TRUE(fails_with(parse_launch_properties(given), "InvalidProperties",
                         {"ImageSourcePrefix", "expected a string"}));
  EXPECT_TRUE(fails_with(parse_launch_properties(json::array()), "InvalidProperties",
                         {"ResourceProperties", "expected an object"}));
}

}  // namespace
}  // namespace bulkqa
