// Hostile batch objects: empty, confidences that are not finite numbers, labels that are not
// UTF-8, deep nesting, 100,000-character fields. A batch is refused with an error naming the
// element and field, or read as it is.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "bulkqa/qa/batching.hpp"
#include "support/result_assertions.hpp"

namespace bulkqa {
namespace {

using nlohmann::json;
using testing::fails_with;

std::string one_item(const std::string& url, const std::string& label,
                     const std::string& confidence) {
  return R"([{"s3_image_url":")" + url + R"(","label":")" + label + R"(","confidence":)" +
         confidence + "}]";
}

TEST(HostileBatches, AnEmptyBatchIsRefused) {
  EXPECT_TRUE(fails_with(parse_batch("[]"), "InvalidBatch", {"empty"}));
  EXPECT_TRUE(fails_with(parse_batch(" [ ] "), "InvalidBatch", {"empty"}));
}

TEST(HostileBatches, ConfidencesThatAreNotFiniteAreRefused) {
  // JSON has no NaN or infinity, and 1e999, which would read as one, is refused too.
  for (const std::string confidence :
       {"NaN", "nan", "Infinity", "-Infinity", "inf", "1e999", "-1e999"}) {
    EXPECT_TRUE(fails_with(parse_batch(one_item("s3://b/k", "Crab", confidence)), "InvalidBatch",
                           {"batch is not JSON"}))
        << confidence;
  }
  EXPECT_TRUE(fails_with(parse_batch(one_item("s3://b/k", "Crab", "100.0000001")), "InvalidBatch",
                         {"[0].confidence", "is outside [0, 100]"}));
  EXPECT_TRUE(fails_with(parse_batch(one_item("s3://b/k", "Crab", "-1e-300")), "InvalidBatch",
                         {"[0].confidence", "is outside [0, 100]"}));
  EXPECT_TRUE(fails_with(parse_batch(one_item("s3://b/k", "Crab", "\"97\"")), "InvalidBatch",
                         {"[0].confidence", "expected a number"}));
}

TEST(HostileBatches, LabelsThatAreNotUtf8AreRefused) {
  for (const std::string label : {"Cr\xff"
                                  "b",
                                  "\xc3\x28", "\xed\xa0\x80", "\\ud800"}) {
    EXPECT_TRUE(fails_with(parse_batch(one_item("s3://b/k", label, "90")), "InvalidBatch",
                           {"batch is not JSON"}));
  }
}

TEST(HostileBatches, NestingFarTooDeepIsRefused) {
  EXPECT_TRUE(fails_with(parse_batch(std::string(100'000, '[') + std::string(100'000, ']')),
                         "InvalidBatch", {"batch", "deeper than 64"}));
}

TEST(HostileBatches, AHundredThousandCharacterLabelIsReadAsItIs) {
  const std::string label(100'000, 'L');
  const auto batch = parse_batch(one_item("s3://b/k", label, "90"));
  ASSERT_TRUE(batch.ok()) << batch.error().message;
  EXPECT_EQ(batch->front().label, label);
}

TEST(HostileBatches, AHundredThousandCharacterBadUrlIsQuotedShort) {
  const auto batch = parse_batch(one_item("http://" + std::string(100'000, 'u'), "Crab", "90"));
  EXPECT_TRUE(fails_with(batch, "InvalidBatch", {"[0].s3_image_url", "..."}));
  if (!batch.ok()) {
    EXPECT_LT(batch.error().message.size(), 500u);
  }
}

}  // namespace
}  // namespace bulkqa
