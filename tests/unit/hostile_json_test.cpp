// Hostile JSON from outside: nested far deeper than any real document, brackets hidden in
// strings, bytes that are not UTF-8, events with request types CloudFormation never sends and
// 100,000-character fields. Parsing must answer with an error, never recurse on the depth.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "bulkqa/functions/function_config.hpp"
#include "bulkqa/qa/custom_resource.hpp"
#include "bulkqa/util/json_fields.hpp"
#include "support/result_assertions.hpp"

namespace bulkqa {
namespace {

using nlohmann::json;
using testing::fails_with;

constexpr std::size_t kHostileDepth = 100'000;

std::string nested_arrays(std::size_t depth, const std::string& inner = "0") {
  return std::string(depth, '[') + inner + std::string(depth, ']');
}

std::string nested_objects(std::size_t depth) {
  std::string text;
  for (std::size_t i = 0; i < depth; ++i) text += R"({"a":)";
  return text + "0" + std::string(depth, '}');
}

// How deep a parsed value nests arrays and objects, without recursion.
std::size_t depth_of(const json& value) {
  std::size_t depth = 0;
  for (const json* at = &value; at->is_structured() && !at->empty(); at = &at->front()) ++depth;
  return depth;
}

TEST(HostileJson, NestingUpToTheLimitIsParsed) {
  const auto parsed = parse_json(nested_arrays(kMaxJsonDepth), "doc", "Bad");
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(depth_of(*parsed), kMaxJsonDepth);
  EXPECT_TRUE(parse_json(nested_objects(kMaxJsonDepth), "doc", "Bad").ok());
}

TEST(HostileJson, NestingBeyondTheLimitIsRefusedNamingTheByte) {
  EXPECT_TRUE(fails_with(parse_json(nested_arrays(kMaxJsonDepth + 1), "doc", "Bad"), "Bad",
                         {"doc", "deeper than 64 levels", "byte 64"}));
  EXPECT_TRUE(fails_with(parse_json(nested_objects(kMaxJsonDepth + 1), "doc", "Bad"), "Bad",
                         {"deeper than 64"}));
}

TEST(HostileJson, NestedAHundredThousandDeepIsRefused) {
  for (const std::string& text : {nested_arrays(kHostileDepth), nested_objects(kHostileDepth),
                                  std::string(kHostileDepth, '[')}) {
    EXPECT_TRUE(fails_with(parse_json(text, "event", "InvalidEvent"), "InvalidEvent",
                           {"event", "deeper than 64"}));
  }
}

TEST(HostileJson, BracketsInsideStringsDoNotCount) {
  const std::string brackets(kHostileDepth, '[');
  const json document = {{"text", brackets}, {"quoted", "\"[[\\\"{{"}, {"slash", "\\"}};
  const auto parsed = parse_json(document.dump(), "doc", "Bad");
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(*parsed, document);
}

TEST(HostileJson, TextThatIsNotJsonIsRefused) {
  for (const std::string& text : std::vector<std::string>{
           "", "{", "[1,]", "{\"a\":NaN}", "[Infinity]", "[1] [2]", "\"\xff\xfe\"", "[\"\\ud800\"]",
           "{\"\xc3\x28\":1}", std::string("[\"a\"\0]", 6)}) {
    EXPECT_TRUE(fails_with(parse_json(text, "doc", "Bad"), "Bad", {"doc is not JSON"})) << text;
  }
}

TEST(HostileJson, WithinTheLimitATooDeepDocumentKeepsItsShallowFields) {
  const std::string text = R"({"Deep":)" + nested_arrays(kHostileDepth) + R"(,"List":[)" +
                           nested_arrays(kHostileDepth, "\"]\"") +
                           R"(,2],"ResponseURL":"http://127.0.0.1/r"})";
  const std::string kept = json_within_depth_limit(text);
  EXPECT_LT(kept.size(), 1000u);
  const auto parsed = parse_json(kept, "event", "InvalidEvent");
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ((*parsed)["ResponseURL"], "http://127.0.0.1/r");
  EXPECT_EQ((*parsed)["List"].back(), 2);
  // The arrays that opened deeper than the limit are null, one level inside it.
  EXPECT_EQ(depth_of((*parsed)["Deep"]), kMaxJsonDepth - 1);
}

TEST(HostileJson, WithinTheLimitADocumentIsItself) {
  const std::string text = R"({"a":[1,{"b":"[{"}],"c":null})";
  EXPECT_EQ(json_within_depth_limit(text), text);
  EXPECT_EQ(json_within_depth_limit("not json"), "not json");
}

lambda::InvocationRequest invocation(std::string payload) {
  lambda::InvocationRequest request;
  request.payload = std::move(payload);
  return request;
}

TEST(HostileEvents, AnEventNestedTooDeepIsAnInvalidEvent) {
  const std::string event = R"({"dataObject":{"x":)" + nested_arrays(kHostileDepth) + "}}";
  EXPECT_TRUE(fails_with(functions::parse_event(invocation(event)), "InvalidEvent",
                         {"the event", "deeper than 64"}));
  EXPECT_TRUE(
      fails_with(functions::parse_event(invocation("[1]")), "InvalidEvent", {"not a JSON object"}));
  EXPECT_TRUE(fails_with(functions::parse_event(invocation("{\"a\":\"\xff\"}")), "InvalidEvent",
                         {"the event is not JSON"}));
}

json custom_resource_request(const std::string& type) {
  return {{"RequestType", type},
          {"ResponseURL", "http://127.0.0.1/r"},
          {"StackId", "arn:aws:cloudformation:us-east-1:1:stack/s/1"},
          {"RequestId", "r"},
          {"LogicalResourceId", "Launch"}};
}

TEST(HostileEvents, RequestTypesCloudFormationNeverSendsAreRefusedBriefly) {
  for (const std::string& type : std::vector<std::string>{
           "create", "Create ", "DELETE", "Frobnicate", "Create\n", std::string(100'000, 'U')}) {
    const auto request = parse_custom_resource_request(custom_resource_request(type));
    EXPECT_TRUE(fails_with(request, "InvalidRequest", {"RequestType", "not one of"}));
    if (!request.ok()) {
      EXPECT_LT(request.error().message.size(), 500u);
    }
  }
  EXPECT_TRUE(fails_with(parse_custom_resource_request(custom_resource_request("")),
                         "InvalidRequest", {"RequestType", "empty"}));
}

TEST(HostileEvents, AHundredThousandCharacterPropertyIsQuotedShort) {
  const json properties = {{"S3Bucket", "b"},          {"DynamoDBTable", "t"},
                           {"LaunchBucket", "l"},      {"LabelCorpusKey", "k"},
                           {"ImageSourceBucket", "i"}, {"QABatchSize", std::string(100'000, '9')}};
  const auto parsed = parse_launch_properties(properties);
  EXPECT_TRUE(fails_with(parsed, "InvalidProperties", {"QABatchSize"}));
  if (!parsed.ok()) {
    EXPECT_LT(parsed.error().message.size(), 500u);
  }
}

TEST(HostileEvents, AFailedAnswerWithAHundredThousandCharacterReasonFitsCloudFormation) {
  auto request = parse_custom_resource_request(custom_resource_request("Create"));
  ASSERT_TRUE(request.ok());
  const std::string body = custom_resource_response_body(
      *request, {false, std::string(100'000, 'R') + "\xff", "id", json::object()});
  EXPECT_LE(body.size(), kMaxCustomResourceResponseBytes);
  EXPECT_EQ(json::parse(body)["Status"], "FAILED");
}

}  // namespace
}  // namespace bulkqa
