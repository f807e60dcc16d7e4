// Hostile reviewers' answers and consolidation requests to the real bulkqa-post-labeling behind a
// local Runtime API, against moto: an answer that cannot be read fails the invocation (Ground
// Truth retries it) and counts nothing; a batch outside the stack bucket is refused; 200 reviewers
// of one image and 100,000-character ids are counted exactly once.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/function_harness.hpp"
#include "support/moto.hpp"
#include "support/test_stack.hpp"

namespace bulkqa {
namespace {

using nlohmann::json;

struct Counts {
  int confirm = 0;
  int disconfirm = 0;
  bool operator==(const Counts&) const = default;
};

std::ostream& operator<<(std::ostream& out, const Counts& counts) {
  return out << counts.confirm << " confirm, " << counts.disconfirm << " disconfirm";
}

json annotation(const std::string& worker, const std::string& content) {
  return {{"workerId", worker}, {"annotationData", {{"content", content}}}};
}

class HostileAnswersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (std::size_t i = 0; i < 2; ++i) {
      const std::string url = "s3://" + stack_.stack_bucket + "/beaver/" + std::to_string(i);
      batch_.push_back({{"s3_image_url", url}, {"label", "Beaver"}, {"confidence", 90}});
      ASSERT_TRUE(stack_.dynamodb()
                      .put_item(stack_.table,
                                {{"s3_image_url", {{"S", url}}}, {"label", {{"S", "Beaver"}}}})
                      .ok());
    }
  }

  // The template's answer to the Beaver batch: image 0 confirmed, image 1 `second`.
  static std::string good_answer(bool second = false) {
    return json{{"Beaver-0", {{"Confirmed", true}}}, {"Beaver-1", {{"Confirmed", second}}}}.dump();
  }

  json dataset_object(const std::string& id, const std::vector<json>& annotations) const {
    return {{"datasetObjectId", id},
            {"dataObject", {{"content", batch_.dump()}}},
            {"annotations", json(annotations)}};
  }

  // Ground Truth's invocation for these dataset objects.
  local::InvokeResult consolidate(const json& objects) {
    const std::string key = "gt/request-" + std::to_string(requests_++) + ".json";
    EXPECT_TRUE(stack_.s3().put_object({stack_.stack_bucket, key, objects.dump()}).ok());
    return post_labeling_.invoke(stack_.post_labeling_event(key));
  }

  Counts counts(std::size_t image) {
    const auto items = stack_.table_items();
    const json& item = items.at({batch_[image]["s3_image_url"], "Beaver"});
    return {testing::TestStack::count_of(item, "WorkerConfirmCount"),
            testing::TestStack::count_of(item, "WorkerDisconfirmCount")};
  }

  testing::TestStack stack_;
  json batch_ = json::array();
  testing::FunctionUnderTest post_labeling_{"bulkqa-post-labeling", stack_.environment()};
  int requests_ = 0;
};

TEST_F(HostileAnswersTest, AnAnswerInsideAOneElementArrayIsCounted) {
  const auto result =
      consolidate(json::array({dataset_object("0", {annotation("w", "[" + good_answer() + "]")})}));
  ASSERT_TRUE(result.ok) << result.error_message;
  EXPECT_EQ(counts(0), (Counts{1, 0}));
  EXPECT_EQ(counts(1), (Counts{0, 1}));
}

TEST_F(HostileAnswersTest, AnAnswerThatCannotBeReadFailsTheInvocationAndCountsNothing) {
  // Counted once by an earlier invocation.
  ASSERT_TRUE(
      consolidate(json::array({dataset_object("7", {annotation("good", good_answer())})})).ok);
  const std::vector<std::string> unreadable{
      "not json",
      R"({"Beaver-0":{"Confirmed":true},"Beaver-0001":{"Confirmed":false}})",
      R"({"Beaver-0":{"Confirmed":true},"Beaver--1":{"Confirmed":false}})",
      R"({"Lobster-0":{"Confirmed":true},"Beaver-1":{"Confirmed":false}})",
      R"({"Beaver-0":{"Confirmed":true},"Beaver-7":{"Confirmed":false}})",
      R"({"Beaver-0":{"Confirmed":true}})",
      R"([{"Beaver-0":{"Confirmed":true}},{"Beaver-1":{"Confirmed":true}}])",
      std::string(100'000, '[') + std::string(100'000, ']'),
  };
  for (const auto& content : unreadable) {
    SCOPED_TRACE(content.substr(0, 80));
    const auto result = consolidate(json::array(
        {dataset_object("7",
                        {annotation("good", good_answer()), annotation("late", good_answer())}),
         dataset_object("8", {annotation("other", good_answer()), annotation("bad", content)})}));
    EXPECT_FALSE(result.ok);
    EXPECT_FALSE(result.timed_out);
    EXPECT_NE(result.error_message.find("dataset object '8'"), std::string::npos)
        << result.error_message;
    EXPECT_NE(result.error_message.find("worker 'bad'"), std::string::npos) << result.error_message;
    // Nothing of the failed invocation was counted, not even the readable answers before it.
    EXPECT_EQ(counts(0), (Counts{1, 0}));
    EXPECT_EQ(counts(1), (Counts{0, 1}));
  }

  // Ground Truth's next invocation counts the new votes, and the first ones still once.
  const auto retried = consolidate(json::array(
      {dataset_object("7", {annotation("good", good_answer()), annotation("late", good_answer())}),
       dataset_object("8", {annotation("other", good_answer(true))})}));
  ASSERT_TRUE(retried.ok) << retried.error_message;
  EXPECT_EQ(counts(0), (Counts{3, 0}));
  EXPECT_EQ(counts(1), (Counts{1, 2}));
}

TEST_F(HostileAnswersTest, AnAnswerStoredInS3ThatCannotBeReadFailsTheInvocation) {
  ASSERT_TRUE(stack_.s3()
                  .put_object({stack_.stack_bucket, "answers/not-utf8.json",
                               "{\"Beaver-0\":{\"Confirmed\":true},\"Beaver-\xff\":{}}"})
                  .ok());
  for (const std::string key : {"answers/missing.json", "answers/not-utf8.json"}) {
    const json stored = {
        {"workerId", "stored"},
        {"annotationData", {{"s3Uri", "s3://" + stack_.stack_bucket + "/" + key}}}};
    const auto result = consolidate(
        json::array({dataset_object("3", {annotation("inline", good_answer()), stored})}));
    EXPECT_FALSE(result.ok) << key;
    EXPECT_NE(result.error_message.find("worker 'stored'"), std::string::npos)
        << result.error_message;
    EXPECT_EQ(counts(0), (Counts{0, 0}));
  }
}

TEST_F(HostileAnswersTest, ABatchOutsideTheStackBucketIsRefused) {
  ASSERT_TRUE(stack_.s3().put_object({stack_.source_bucket, "batches/0.json", batch_.dump()}).ok());
  const auto result = consolidate(
      json::array({{{"datasetObjectId", "0"},
                    {"dataObject", {{"s3Uri", "s3://" + stack_.source_bucket + "/batches/0.json"}}},
                    {"annotations", json::array({annotation("w", good_answer())})}}}));
  EXPECT_FALSE(result.ok);
  EXPECT_EQ(result.error_type, "ForbiddenSource");
  EXPECT_NE(result.error_message.find(stack_.stack_bucket), std::string::npos)
      << result.error_message;
  EXPECT_EQ(counts(0), (Counts{0, 0}));
}

TEST_F(HostileAnswersTest, TwoHundredReviewersOfOneImageAreCountedExactlyOnce) {
  constexpr int kWorkers = 200;
  auto answers = [&](int workers) {
    std::vector<json> annotations;
    for (int w = 0; w < workers; ++w) {
      annotations.push_back(annotation("worker-" + std::to_string(w), good_answer(w % 3 == 0)));
    }
    return json::array({dataset_object("0", annotations)});
  };
  const Counts image1_all{(kWorkers + 2) / 3, kWorkers - (kWorkers + 2) / 3};

  // 120 answers first, then all 200 (Ground Truth invoking again with more): the updates holding
  // votes already counted are refused, and only the others are sent again.
  ASSERT_TRUE(consolidate(answers(120)).ok);
  EXPECT_EQ(counts(0), (Counts{120, 0}));
  const auto all = consolidate(answers(kWorkers));
  ASSERT_TRUE(all.ok) << all.error_message;
  EXPECT_EQ(counts(0), (Counts{kWorkers, 0}));
  EXPECT_EQ(counts(1), image1_all);
  const auto items = stack_.table_items();
  EXPECT_EQ(items.at({batch_[0]["s3_image_url"], "Beaver"})["VoteIds"]["SS"].size(),
            std::size_t{kWorkers});

  // The same invocation again changes nothing.
  ASSERT_TRUE(consolidate(answers(kWorkers)).ok);
  EXPECT_EQ(counts(0), (Counts{kWorkers, 0}));
  EXPECT_EQ(counts(1), image1_all);
}

TEST_F(HostileAnswersTest, HundredThousandCharacterIdsAreCountedOnce) {
  const std::string worker(100'000, 'w');
  const std::string object_id(100'000, '9');
  const json objects =
      json::array({dataset_object(object_id, {annotation(worker, good_answer())})});
  const auto first = consolidate(objects);
  ASSERT_TRUE(first.ok) << first.error_message.substr(0, 300);
  EXPECT_EQ(json::parse(first.payload)[0]["datasetObjectId"], object_id);
  ASSERT_TRUE(consolidate(objects).ok);
  EXPECT_EQ(counts(0), (Counts{1, 0}));
  EXPECT_EQ(counts(1), (Counts{0, 1}));

  // An unreadable answer from that worker is named, cut short.
  const auto refused =
      consolidate(json::array({dataset_object(object_id, {annotation(worker, "[]")})}));
  EXPECT_FALSE(refused.ok);
  EXPECT_LT(refused.error_message.size(), 1000u) << refused.error_message.substr(0, 300);
}

}  // namespace
}  // namespace bulkqa
