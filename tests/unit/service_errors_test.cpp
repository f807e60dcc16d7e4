#include <gtest/gtest.h>

#include "bulkqa/aws/service_client.hpp"

namespace bulkqa::aws {
namespace {

HttpResponse answer(long status, std::string body) {
  return {status, {}, std::move(body)};
}

TEST(ServiceErrorsTest, DynamoDbJsonErrorsLoseTheirNamespace) {
  const Error error = parse_service_error(
      "dynamodb",
      answer(
          400,
          R"({"__type":"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException","message":"Requested resource not found"})"));
  EXPECT_EQ(error.code, "ResourceNotFoundException");
  EXPECT_EQ(error.message, "Requested resource not found");
  EXPECT_EQ(error.service, "dynamodb");
  EXPECT_EQ(error.http_status, 400);
  EXPECT_FALSE(error.retryable);
}

TEST(ServiceErrorsTest, ThrottlingIsRetryableWhateverTheStatus) {
  for (const char* code :
       {"ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded"}) {
    const Error error = parse_service_error(
        "dynamodb",
        answer(400, std::string(R"({"__type":"com.amazonaws.dynamodb.v20120810#)") + code + "\"}"));
    EXPECT_TRUE(error.retryable) << code;
  }
  EXPECT_TRUE(
      parse_service_error("s3", answer(503, "<Error><Code>SlowDown</Code></Error>")).retryable);
  EXPECT_TRUE(parse_service_error("s3", answer(500, "")).retryable);
  EXPECT_FALSE(
      parse_service_error("s3", answer(403, "<Error><Code>AccessDenied</Code></Error>")).retryable);
}

TEST(ServiceErrorsTest, OnlyThrottlingCodesAnd429SlowTheClientDown) {
  EXPECT_TRUE(is_throttling_error(
      parse_service_error("s3", answer(503, "<Error><Code>SlowDown</Code></Error>"))));
  EXPECT_TRUE(is_throttling_error(parse_service_error(
      "dynamodb",
      answer(
          400,
          R"({"__type":"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException"})"))));
  EXPECT_TRUE(is_throttling_error(parse_service_error("s3", answer(429, ""))));
  // Transient server errors are retried at the same pace.
  EXPECT_FALSE(is_throttling_error(
      parse_service_error("s3", answer(503, "<Error><Code>ServiceUnavailable</Code></Error>"))));
  EXPECT_FALSE(is_throttling_error(parse_service_error("s3", answer(503, ""))));
  EXPECT_FALSE(is_throttling_error(parse_service_error(
      "dynamodb",
      answer(500, R"({"__type":"com.amazonaws.dynamodb.v20120810#InternalServerError"})"))));
}

TEST(ServiceErrorsTest, ServerErrorsAndTooManyRequestsAreRetryableStatuses) {
  for (const long status : {429L, 500L, 502L, 503L, 504L}) {
    EXPECT_TRUE(is_retryable_status(status)) << status;
  }
  for (const long status : {200L, 204L, 301L, 400L, 403L, 404L, 409L, 499L}) {
    EXPECT_FALSE(is_retryable_status(status)) << status;
  }
}

TEST(ServiceErrorsTest, S3XmlErrorsNameTheKey) {
  const Error error = parse_service_error(
      "s3",
      answer(
          404,
          R"(<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message><Key>a/b.json</Key></Error>)"));
  EXPECT_EQ(error.code, "NoSuchKey");
  EXPECT_NE(error.message.find("a/b.json"), std::string::npos);
}

TEST(ServiceErrorsTest, QueryProtocolXmlAsMotoSendsForDynamoDbAuthErrors) {
  const Error error = parse_service_error(
      "dynamodb",
      answer(
          403,
          R"(<?xml version="1.0" encoding="utf-8"?><ErrorResponse><Errors><Error><Code>SignatureDoesNotMatch</Code><Message>bad</Message><Type>Sender</Type></Error></Errors></ErrorResponse>)"));
  EXPECT_EQ(error.code, "SignatureDoesNotMatch");
  EXPECT_EQ(error.message, "bad");
}

TEST(ServiceErrorsTest, AnUnreadableBodyFallsBackToTheStatus) {
  const Error error = parse_service_error("s3", answer(403, "<html>nope"));
  EXPECT_EQ(error.code, "AccessDenied");
  EXPECT_EQ(error.http_status, 403);
}

TEST(ServiceErrorsTest, S3ErrorsInsideA200AreFound) {
  const auto copy_failure =
      error_in_response("s3", answer(200, R"(<?xml version="1.0" encoding="UTF-8"?>
<Error><Code>InternalError</Code><Message>We encountered an internal error.</Message></Error>)"));
  ASSERT_TRUE(copy_failure.has_value());
  EXPECT_EQ(copy_failure->code, "InternalError");
  EXPECT_TRUE(copy_failure->retryable);
  EXPECT_FALSE(
      error_in_response("s3", answer(200, "<CopyObjectResult><ETag>x</ETag></CopyObjectResult>")));
  EXPECT_FALSE(error_in_response("dynamodb", answer(200, "{}")));
  EXPECT_TRUE(error_in_response("dynamodb", answer(400, "{}")));
}

}  // namespace
}  // namespace bulkqa::aws
