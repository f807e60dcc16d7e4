// DescribeStacks: the request it sends and its answers, parsed without a server.
#include "bulkqa/aws/cloudformation.hpp"

#include <gtest/gtest.h>

#include "support/result_assertions.hpp"

namespace bulkqa::aws {
namespace {

using testing::fails_with;

// The shape of the DescribeStacks answer in the CloudFormation API reference.
constexpr const char* kAnswer =
    R"(<DescribeStacksResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/">
  <DescribeStacksResult>
    <Stacks>
      <member>
        <StackName>bulkqa-prod</StackName>
        <StackId>arn:aws:cloudformation:eu-west-1:123456789012:stack/bulkqa-prod/abc</StackId>
        <StackStatus>UPDATE_COMPLETE</StackStatus>
        <Parameters>
          <member><ParameterKey>Team</ParameterKey><ParameterValue>qa</ParameterValue></member>
        </Parameters>
        <Outputs>
          <member>
            <OutputKey>BucketName</OutputKey>
            <OutputValue>bulkqa-prod-bucket-1a2b</OutputValue>
            <Description>The stack bucket</Description>
          </member>
          <member>
            <OutputKey>TableName</OutputKey>
            <OutputValue>bulkqa-prod-images</OutputValue>
          </member>
          <member><OutputKey>Empty</OutputKey><OutputValue/></member>
        </Outputs>
      </member>
    </Stacks>
  </DescribeStacksResult>
  <ResponseMetadata><RequestId>b9b4b068-3a41-11e5-94eb-example</RequestId></ResponseMetadata>
</DescribeStacksResponse>)";

TEST(DescribeStacksRequest, IsAFormEncodedPostNamingTheStack) {
  const ServiceRequest request = describe_stacks_request("bulkqa prod/&x");
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.path, "/");
  EXPECT_TRUE(request.query.empty());
  ASSERT_EQ(request.headers.size(), 1u);
  EXPECT_EQ(request.headers[0].name, "Content-Type");
  EXPECT_EQ(request.headers[0].value, "application/x-www-form-urlencoded; charset=utf-8");
  EXPECT_EQ(request.body,
            "Action=DescribeStacks&StackName=bulkqa%20prod%2F%26x&Version=2010-05-15");
}

TEST(DescribeStacksAnswer, GivesNameStatusAndEveryOutput) {
  auto stack = parse_describe_stacks_response(kAnswer, "bulkqa-prod");
  ASSERT_TRUE(stack.ok()) << stack.error().describe();
  EXPECT_EQ(stack->name, "bulkqa-prod");
  EXPECT_EQ(stack->status, "UPDATE_COMPLETE");
  const std::map<std::string, std::string> expected = {{"BucketName", "bulkqa-prod-bucket-1a2b"},
                                                       {"TableName", "bulkqa-prod-images"},
                                                       {"Empty", ""}};
  EXPECT_EQ(stack->outputs, expected);
}

TEST(DescribeStacksAnswer, AStackWithoutOutputsHasNone) {
  auto stack = parse_describe_stacks_response(
      "<DescribeStacksResponse><DescribeStacksResult><Stacks><member><StackName>s</StackName>"
      "<StackStatus>CREATE_IN_PROGRESS</StackStatus></member></Stacks></DescribeStacksResult>"
      "</DescribeStacksResponse>",
      "s");
  ASSERT_TRUE(stack.ok()) << stack.error().describe();
  EXPECT_TRUE(stack->outputs.empty());
  EXPECT_EQ(stack->status, "CREATE_IN_PROGRESS");
}

TEST(DescribeStacksAnswer, NoStackListedIsStackNotFoundNamingIt) {
  EXPECT_TRUE(fails_with(
      parse_describe_stacks_response(
          "<DescribeStacksResponse><DescribeStacksResult><Stacks/></DescribeStacksResult>"
          "</DescribeStacksResponse>",
          "bulkqa-prod"),
      errc::kStackNotFound, {"'bulkqa-prod'"}));
}

TEST(DescribeStacksAnswer, OtherBodiesAreMalformed) {
  auto not_xml = parse_describe_stacks_response("{\"json\": true}", "s");
  EXPECT_TRUE(fails_with(not_xml, errc::kMalformedResponse, {"DescribeStacks", "not XML"}));
  EXPECT_EQ(not_xml.error().service, "cloudformation");
  EXPECT_TRUE(fails_with(parse_describe_stacks_response("<Other/>", "s"), errc::kMalformedResponse,
                         {"DescribeStacksResult"}));
  EXPECT_TRUE(fails_with(
      parse_describe_stacks_response(
          "<DescribeStacksResponse><DescribeStacksResult><Stacks><member><Outputs><member>"
          "<OutputValue>v</OutputValue></member></Outputs></member></Stacks>"
          "</DescribeStacksResult></DescribeStacksResponse>",
          "s"),
      errc::kMalformedResponse, {"OutputKey"}));
}

}  // namespace
}  // namespace bulkqa::aws
