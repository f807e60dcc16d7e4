#include "bulkqa/util/error.hpp"

#include <gtest/gtest.h>

namespace bulkqa {
namespace {

Error service_error() {
  Error error = make_error("NoSuchKey", "The specified key does not exist.");
  error.service = "s3";
  error.http_status = 404;
  error.retryable = true;
  return error;
}

TEST(WithContext, PrefixesTheMessageAndKeepsTheRest) {
  const Error error = with_context("GetObject s3://b/k", service_error());
  EXPECT_EQ(error.message, "GetObject s3://b/k: The specified key does not exist.");
  EXPECT_EQ(error.code, "NoSuchKey");
  EXPECT_EQ(error.service, "s3");
  EXPECT_EQ(error.http_status, 404);
  EXPECT_TRUE(error.retryable);
  EXPECT_EQ(error.describe(),
            "s3 NoSuchKey (HTTP 404): GetObject s3://b/k: The specified key does not exist.");
}

TEST(WithContext, OuterContextComesFirst) {
  const Error error = with_context(
      "dataset object 7", with_context("batch s3://b/batches/1.json",
                                       make_error(errc::kInvalidBatch, "[2].label: empty")));
  EXPECT_EQ(error.message, "dataset object 7: batch s3://b/batches/1.json: [2].label: empty");
  EXPECT_EQ(error.code, "InvalidBatch");
}

TEST(WithContext, AnEmptyMessageBecomesTheContext) {
  EXPECT_EQ(
      with_context("AssumeRole arn:aws:iam::1:role/r", make_error(errc::kTimeout, "")).message,
      "AssumeRole arn:aws:iam::1:role/r");
}

TEST(MakeError, TakesANamedCode) {
  const Error error = make_error(errc::kInvalidCorpus, "line 3: field 'label' is empty");
  EXPECT_EQ(error.code, "InvalidCorpus");
  EXPECT_EQ(error.describe(), "InvalidCorpus: line 3: field 'label' is empty");
  EXPECT_FALSE(error.retryable);
}

}  // namespace
}  // namespace bulkqa
