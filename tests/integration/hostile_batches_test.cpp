// Hostile batch objects to the real bulkqa-pre-labeling behind a local Runtime API, against moto:
// a batch whose task input Lambda could not return, an empty batch, confidences that are not
// finite numbers, labels that are not UTF-8, deep nesting, 100,000-character labels. Each gets a
// clear Lambda error, or is served as it is.
#include <gtest/gtest.h>

#include <string>

#include "support/function_harness.hpp"
#include "support/moto.hpp"
#include "support/test_stack.hpp"

namespace bulkqa {
namespace {

using nlohmann::json;
using testing::kJobArn;

class HostileBatchesTest : public ::testing::Test {
 protected:
  // Pre-labeling's answer for a manifest line naming `batch_text`, stored in the stack bucket.
  local::InvokeResult serve(const std::string& batch_text) {
    const std::string key = "batches/" + std::to_string(batches_++) + ".json";
    EXPECT_TRUE(stack_.s3().put_object({stack_.stack_bucket, key, batch_text}).ok());
    return pre_labeling_.invoke(
        {{"version", "2018-10-06"},
         {"labelingJobArn", kJobArn},
         {"dataObject", {{"source-ref", "s3://" + stack_.stack_bucket + "/" + key}}}});
  }

  std::string one_item(const std::string& label, const std::string& confidence) const {
    return R"([{"s3_image_url":"s3://)" + stack_.stack_bucket + R"(/a.jpg","label":")" + label +
           R"(","confidence":)" + confidence + "}]";
  }

  static void expect_refused(const local::InvokeResult& result, const std::string& type,
                             const std::string& message_part) {
    EXPECT_FALSE(result.ok);
    EXPECT_FALSE(result.timed_out);
    EXPECT_EQ(result.error_type, type);
    EXPECT_NE(result.error_message.find(message_part), std::string::npos)
        << result.error_message.substr(0, 300);
  }

  testing::TestStack stack_;
  testing::FunctionUnderTest pre_labeling_{"bulkqa-pre-labeling", stack_.environment()};
  int batches_ = 0;
};

TEST_F(HostileBatchesTest, ATaskInputLambdaCouldNotReturnIsRefused) {
  // 13.5 MB of batch: Lambda answers at most 6 MB.
  const std::string label(430, 'L');
  json batch = json::array();
  for (int i = 0; i < 27'000; ++i) {
    batch.push_back({{"s3_image_url", "s3://" + stack_.stack_bucket + "/" + std::to_string(i)},
                     {"label", label},
                     {"confidence", 90}});
  }
  const std::string text = batch.dump();
  ASSERT_GT(text.size(), 13'000'000u);
  const auto result = serve(text);
  expect_refused(result, "TaskInputTooLarge", "27000 images");
  EXPECT_NE(result.error_message.find("6291456"), std::string::npos) << result.error_message;
}

TEST_F(HostileBatchesTest, AnEmptyBatchIsRefused) {
  expect_refused(serve("[]"), "InvalidBatch", "empty");
}

TEST_F(HostileBatchesTest, ConfidencesThatAreNotFiniteNumbersAreRefused) {
  for (const std::string confidence : {"NaN", "Infinity", "-Infinity", "1e999"}) {
    expect_refused(serve(one_item("Crab", confidence)), "InvalidBatch", "batch is not JSON");
  }
  expect_refused(serve(one_item("Crab", "101")), "InvalidBatch", "[0].confidence");
}

TEST_F(HostileBatchesTest, LabelsThatAreNotUtf8AreRefused) {
  for (const std::string label : {"Cr\xff"
                                  "b",
                                  "\xc3\x28", "\\udc00"}) {
    expect_refused(serve(one_item(label, "90")), "InvalidBatch", "batch is not JSON");
  }
}

TEST_F(HostileBatchesTest, ABatchNestedFarTooDeepIsRefused) {
  expect_refused(serve(std::string(100'000, '[') + std::string(100'000, ']')), "InvalidBatch",
                 "deeper than 64");
  // And the function is still there for the next task.
  EXPECT_TRUE(serve(one_item("Crab", "90")).ok);
}

TEST_F(HostileBatchesTest, AHundredThousandCharacterLabelIsServedAsItIs) {
  const std::string label(100'000, 'L');
  const auto result = serve(one_item(label, "90"));
  ASSERT_TRUE(result.ok) << result.error_message;
  EXPECT_EQ(json::parse(result.payload)["taskInput"]["sourceRef"][0]["label"], label);
}

}  // namespace
}  // namespace bulkqa
