#include "bulkqa/qa/batching.hpp"

#include <set>
#include <stdexcept>
#include <string>

#include <gtest/gtest.h>

#include "support/result_assertions.hpp"

namespace bulkqa {
namespace {

using testing::fails_with;

BatchItem item(const std::string& name, const std::string& label, double confidence = 90) {
  return {"s3://images/" + name + ".jpg", label, confidence};
}

TEST(BatchJson, RoundTrips) {
  const std::vector<BatchItem> items{item("a", "Crab", 97.5),
                                     item("b b", "Soccer Ball", 0),
                                     {"s3://images/ünï/c.jpg", "Écrevisse", 100}};
  const nlohmann::json json = batch_to_json(items);
  ASSERT_TRUE(json.is_array());
  EXPECT_EQ(json[0]["s3_image_url"], "s3://images/a.jpg");
  EXPECT_EQ(json[0]["label"], "Crab");
  EXPECT_TRUE(json[0]["confidence"].is_number());
  EXPECT_EQ(json[0]["confidence"].get<double>(), 97.5);
  const auto parsed = parse_batch(json.dump());
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(*parsed, items);
}

TEST(BatchJson, AnEmptyArrayIsNoBatch) {
  EXPECT_EQ(batch_to_json({}).dump(), "[]");
  EXPECT_TRUE(fails_with(parse_batch("[]"), "InvalidBatch", {"empty", "at least one image"}));
}

TEST(BatchJson, IntegerConfidenceAccepted) {
  const auto parsed = parse_batch(R"([{"s3_image_url":"s3://b/k","label":"L","confidence":42}])");
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ((*parsed)[0].confidence, 42);
}

TEST(BatchJsonErrors, NotJsonOrNotAnArray) {
  EXPECT_TRUE(fails_with(parse_batch("[{"), "InvalidBatch", {"not JSON"}));
  EXPECT_TRUE(fails_with(parse_batch("{}"), "InvalidBatch", {"expected an array", "object"}));
}

TEST(BatchJsonErrors, NameTheElementAndField) {
  const std::string good = R"({"s3_image_url":"s3://b/k","label":"L","confidence":1})";
  const auto batch = [&](const std::string& bad) {
    return parse_batch("[" + good + "," + bad + "]");
  };
  EXPECT_TRUE(fails_with(batch("3"), "InvalidBatch", {"[1]", "expected an object"}));
  EXPECT_TRUE(fails_with(batch(R"({"label":"L","confidence":1})"), "InvalidBatch",
                         {"[1].s3_image_url", "missing"}));
  EXPECT_TRUE(fails_with(batch(R"({"s3_image_url":"http://x/y","label":"L","confidence":1})"),
                         "InvalidBatch", {"[1].s3_image_url", "s3://"}));
  EXPECT_TRUE(fails_with(batch(R"({"s3_image_url":"s3://b/k","label":"","confidence":1})"),
                         "InvalidBatch", {"[1].label", "empty"}));
  EXPECT_TRUE(fails_with(batch(R"({"s3_image_url":"s3://b/k","label":7,"confidence":1})"),
                         "InvalidBatch", {"[1].label", "expected a string", "number"}));
  EXPECT_TRUE(fails_with(batch(R"({"s3_image_url":"s3://b/k","label":"L"})"), "InvalidBatch",
                         {"[1].confidence", "missing"}));
  EXPECT_TRUE(fails_with(batch(R"({"s3_image_url":"s3://b/k","label":"L","confidence":"9"})"),
                         "InvalidBatch", {"[1].confidence", "expected a number", "string"}));
  EXPECT_TRUE(fails_with(batch(R"({"s3_image_url":"s3://b/k","label":"L","confidence":true})"),
                         "InvalidBatch", {"[1].confidence", "expected a number", "boolean"}));
  EXPECT_TRUE(fails_with(batch(R"({"s3_image_url":"s3://b/k","label":"L","confidence":101})"),
                         "InvalidBatch", {"[1].confidence", "101", "outside [0, 100]"}));
}

TEST(BatchObjectKey, SequenceAndSlug) {
  EXPECT_EQ(batch_object_key({"Soccer Ball", 42, {}}), "batches/000042-Soccer_Ball.json");
  EXPECT_EQ(batch_object_key({"a/b\\c", 0, {}}), "batches/000000-a_b_c.json");
  EXPECT_EQ(batch_object_key({"Sea-Turtle_2", 7, {}}), "batches/000007-Sea-Turtle_2.json");
  // Every byte of a multi-byte character becomes '_'.
  EXPECT_EQ(batch_object_key({"Écrevisse", 1, {}}), "batches/000001-__crevisse.json");
  EXPECT_EQ(batch_object_key({"x", 1234567, {}}), "batches/1234567-x.json");
}

TEST(BatchObjectKey, SlugIsCutAtSixtyFourCharacters) {
  const std::string key = batch_object_key({std::string(100, 'z'), 3, {}});
  EXPECT_EQ(key, "batches/000003-" + std::string(64, 'z') + ".json");
}

TEST(BatchObjectKey, UniqueAcrossBatchesWithSimilarLabels) {
  const std::vector<Batch> batches{{"a b", 0, {}}, {"a/b", 1, {}}, {"a_b", 2, {}}, {"a b", 3, {}}};
  std::set<std::string> keys;
  for (const auto& batch : batches) {
    const std::string key = batch_object_key(batch);
    EXPECT_EQ(
        key.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./"),
        std::string::npos)
        << key;
    keys.insert(key);
  }
  EXPECT_EQ(keys.size(), batches.size());
}

TEST(Manifest, OneSourceRefPerLine) {
  const std::string manifest =
      manifest_jsonl({"s3://out/batches/000000-Crab.json", "s3://out/batches/000001-Crab.json"});
  EXPECT_EQ(manifest,
            "{\"source-ref\":\"s3://out/batches/000000-Crab.json\"}\n"
            "{\"source-ref\":\"s3://out/batches/000001-Crab.json\"}\n");
  EXPECT_EQ(manifest_jsonl({}), "");
}

TEST(Manifest, LinesAreJsonEvenWithQuotesInUris) {
  const std::string manifest = manifest_jsonl({"s3://b/a \"quoted\" key.json"});
  ASSERT_EQ(manifest.back(), '\n');
  const auto line = nlohmann::json::parse(manifest.substr(0, manifest.size() - 1));
  EXPECT_EQ(line["source-ref"], "s3://b/a \"quoted\" key.json");
}

}  // namespace
}  // namespace bulkqa
