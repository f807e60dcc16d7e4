// Post-labeling in round trips (issue #13): however many tasks a consolidation request holds, the
// function reads its payload, then every batch and every answer stored in S3 at once, then counts
// the votes in concurrent conditional updates and, when some are refused (Ground Truth invoked it
// again), reads those items again at once: at most 4 round trips, each vote counted once.
//
// The round trips are counted by the fault proxy answering in rounds (answer_in_rounds), with no
// faults, between the real bulkqa-post-labeling process and moto: it holds every answer until all
// requests that arrived have theirs and the client has sent nothing for a while, then sends them
// all. A request that needs an earlier answer cannot arrive before it, so the proxy's rounds are
// never fewer than the function's round trips, and its count is exact for a function that sends
// each round's requests together. What the test asserts are those counts and each round's size,
// not durations.
#include <gtest/gtest.h>

#include <chrono>
#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "bulkqa/functions/image_table.hpp"
#include "bulkqa/qa/batching.hpp"
#include "support/fault_proxy.hpp"
#include "support/function_harness.hpp"
#include "support/moto.hpp"
#include "support/test_stack.hpp"

namespace bulkqa {
namespace {

using nlohmann::json;
using testing::FaultProxy;
using testing::FunctionUnderTest;
using testing::ImageKey;
using testing::TestStack;
using testing::VoteCounts;

// Far longer than the function takes between two requests of one round (it sends them in one
// HttpClient run), so that no round is split even on a loaded machine.
constexpr std::chrono::milliseconds kQuiet{300};
const std::vector<std::string> kReviewers = {"worker-a", "worker-b", "worker-c"};

class PostLabelingRoundsTest : public ::testing::Test {
 protected:
  // `tasks` tasks of `images` images each, as launch and Ground Truth leave them: each task's
  // batch object in the stack bucket and its images' items in the table, three reviewers' answers
  // to each stored in S3, and the consolidation payload naming them. Returns the payload's key.
  std::string stock_tasks(std::size_t tasks, std::size_t images) {
    json payload = json::array();
    std::vector<json> item_writes;
    for (std::size_t task = 0; task < tasks; ++task) {
      std::vector<BatchItem> batch;
      for (std::size_t image = 0; image < images; ++image) {
        batch.push_back({S3Uri{stack_.stack_bucket, "images/" + std::to_string(task) + "-" +
                                                        std::to_string(image) + ".jpg"}
                             .str(),
                         "Crab", 90});
        item_writes.push_back(functions::image_upsert_request(stack_.table, batch.back()));
      }
      const S3Uri batch_uri{stack_.stack_bucket, "batches/" + std::to_string(task) + ".json"};
      put(batch_uri.key, batch_to_json(batch).dump());
      json annotations = testing::annotations_for(batch_to_json(batch), kReviewers, expected_);
      for (json& annotation : annotations) {
        const S3Uri answer_uri{stack_.stack_bucket, "gt-output/answers/" + std::to_string(task) +
                                                        "/" +
                                                        annotation["workerId"].get<std::string>()};
        put(answer_uri.key, annotation["annotationData"]["content"]);
        annotation["annotationData"] = {{"s3Uri", answer_uri.str()}};
      }
      payload.push_back({{"datasetObjectId", std::to_string(task)},
                         {"dataObject", {{"s3Uri", batch_uri.str()}}},
                         {"annotations", std::move(annotations)}});
    }
    for (const auto& written : stack_.dynamodb().call_all("UpdateItem", item_writes)) {
      EXPECT_TRUE(written.ok()) << written.error().describe();
    }
    put("gt-output/request.json", payload.dump());
    return "gt-output/request.json";
  }

  void put(const std::string& key, std::string body) {
    ASSERT_TRUE(stack_.s3().put_object({stack_.stack_bucket, key, std::move(body)}).ok()) << key;
  }

  // Every image's counts in the table are exactly the votes of the answers.
  void expect_each_vote_counted_once() {
    const auto items = stack_.table_items();
    ASSERT_EQ(items.size(), expected_.size());
    for (const auto& [key, item] : items) {
      EXPECT_EQ(TestStack::count_of(item, "WorkerConfirmCount"), expected_[key].confirm)
          << key.first;
      EXPECT_EQ(TestStack::count_of(item, "WorkerDisconfirmCount"), expected_[key].disconfirm)
          << key.first;
    }
  }

  // The requests of each round trip the invocation of `event` made, once it answered.
  std::vector<std::size_t> rounds_of(FunctionUnderTest& post_labeling, const json& event) {
    proxy_.take_rounds();
    post_labeling.invoke_ok(event);
    return proxy_.take_rounds();
  }

  TestStack stack_;
  std::map<ImageKey, VoteCounts> expected_;
  FaultProxy proxy_{testing::MotoServer::shared().endpoint(), {}, 1};
};

using Rounds = std::vector<std::size_t>;

TEST_F(PostLabelingRoundsTest, TwentyFiveImagesAndThreeReviewersTakeThreeRoundTripsThenFour) {
  const json event = stack_.post_labeling_event(stock_tasks(1, 25));
  proxy_.answer_in_rounds(kQuiet);
  FunctionUnderTest post_labeling("bulkqa-post-labeling", stack_.environment(proxy_.endpoint()));

  // The payload; the batch and the three answers; an update per image.
  EXPECT_EQ(rounds_of(post_labeling, event), (Rounds{1, 4, 25}));
  expect_each_vote_counted_once();
  // Invoked again, every update is refused (its votes are in) and its item read again at once.
  EXPECT_EQ(rounds_of(post_labeling, event), (Rounds{1, 4, 25, 25}));
  expect_each_vote_counted_once();
}

TEST_F(PostLabelingRoundsTest, EightTasksTakeNoMoreRoundTripsThanOne) {
  const json event = stack_.post_labeling_event(stock_tasks(8, 5));
  proxy_.answer_in_rounds(kQuiet);
  FunctionUnderTest post_labeling("bulkqa-post-labeling", stack_.environment(proxy_.endpoint()));

  // The payload; eight batches and 24 answers; an update per image.
  EXPECT_EQ(rounds_of(post_labeling, event), (Rounds{1, 32, 40}));
  expect_each_vote_counted_once();
  EXPECT_EQ(rounds_of(post_labeling, event), (Rounds{1, 32, 40, 40}));
  expect_each_vote_counted_once();
}

}  // namespace
}  // namespace bulkqa
