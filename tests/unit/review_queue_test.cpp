#include "bulkqa/review/review_queue.hpp"

#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/result_assertions.hpp"

namespace bulkqa {
namespace {

using testing::fails_with;
using Clock = ReviewQueue::Clock;
using std::chrono::minutes;

constexpr auto kHold = minutes(10);

ReviewTask task_of(const std::string& label, int images) {
  ReviewTask task{{"stack", "batches/" + label + ".json"}, {}};
  for (int i = 0; i < images; ++i) {
    task.items.push_back(
        {"s3://stack/images/" + label + "/" + std::to_string(i) + ".jpg", label, 90});
  }
  return task;
}

// An answer from the worker template: every box checked except those in `unchecked`.
std::string answer(const ReviewTask& task, std::vector<std::size_t> unchecked = {}) {
  nlohmann::json content = nlohmann::json::object();
  for (std::size_t i = 0; i < task.items.size(); ++i) {
    const bool confirmed = std::find(unchecked.begin(), unchecked.end(), i) == unchecked.end();
    content[task.items[i].label + "-" + std::to_string(i)] = {{"Confirmed", confirmed}};
  }
  return content.dump();
}

ReviewQueue queue_of(std::size_t workers_per_task) {
  return ReviewQueue({task_of("Crab", 3), task_of("Lobster", 2), task_of("Shrimp", 1)},
                     workers_per_task, kHold);
}

TEST(ReviewQueue, OneWorkerGoesThroughTheTasksInManifestOrder) {
  ReviewQueue queue = queue_of(1);
  const auto now = Clock::now();
  for (std::size_t expected = 0; expected < 3; ++expected) {
    EXPECT_EQ(queue.progress(), (ReviewProgress{expected, 3}));
    const auto task = queue.next_task("w1", now);
    ASSERT_EQ(task, expected);
    const auto completed = queue.submit(*task, "w1", answer(queue.task(*task)));
    ASSERT_TRUE(completed.ok()) << completed.error().message;
    EXPECT_TRUE(*completed);
  }
  EXPECT_TRUE(queue.all_complete());
  EXPECT_EQ(queue.next_task("w1", now), std::nullopt);
}

TEST(ReviewQueue, AskingAgainGivesTheTaskTheWorkerHolds) {
  ReviewQueue queue = queue_of(1);
  const auto now = Clock::now();
  EXPECT_EQ(queue.next_task("w1", now), 0u);
  EXPECT_EQ(queue.next_task("w1", now + minutes(1)), 0u);
}

TEST(ReviewQueue, TwoWorkersAreNotSentToTheSamePlace) {
  ReviewQueue queue = queue_of(1);
  const auto now = Clock::now();
  EXPECT_EQ(queue.next_task("w1", now), 0u);
  EXPECT_EQ(queue.next_task("w2", now), 1u);
  EXPECT_EQ(queue.next_task("w3", now), 2u);
  EXPECT_EQ(queue.next_task("w4", now), std::nullopt);
}

TEST(ReviewQueue, AHoldThatRunsOutFreesThePlace) {
  ReviewQueue queue = queue_of(1);
  const auto now = Clock::now();
  EXPECT_EQ(queue.next_task("gone", now), 0u);
  EXPECT_EQ(queue.next_task("w2", now + kHold - minutes(1)), 1u);
  EXPECT_EQ(queue.next_task("w3", now + kHold + minutes(1)), 0u);
}

TEST(ReviewQueue, SeveralWorkersPerTaskEachAnswerOnce) {
  ReviewQueue queue = queue_of(2);
  const auto now = Clock::now();
  EXPECT_EQ(queue.next_task("w1", now), 0u);
  EXPECT_EQ(queue.next_task("w2", now), 0u);
  EXPECT_EQ(queue.next_task("w3", now), 1u);

  auto first = queue.submit(0, "w1", answer(queue.task(0)));
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_FALSE(*first);
  // w1 answered task 0 and moves on; task 0's other place is w2's.
  EXPECT_EQ(queue.next_task("w1", now), 1u);
  auto second = queue.submit(0, "w2", answer(queue.task(0), {1}));
  ASSERT_TRUE(second.ok()) << second.error().message;
  EXPECT_TRUE(*second);
  EXPECT_EQ(queue.progress(), (ReviewProgress{1, 3}));

  const DatasetObject object = queue.dataset_object(0);
  EXPECT_EQ(object.dataset_object_id, "0");
  EXPECT_EQ(object.data_object_uri, (S3Uri{"stack", "batches/Crab.json"}));
  ASSERT_EQ(object.annotations.size(), 2u);
  EXPECT_EQ(object.annotations[0].worker_id, "w1");
  EXPECT_EQ(object.annotations[1].worker_id, "w2");
  EXPECT_EQ(object.annotations[1].content, answer(queue.task(0), {1}));
}

TEST(ReviewQueue, SubmissionErrorsNameTheTaskAndWorker) {
  ReviewQueue queue = queue_of(1);
  EXPECT_TRUE(fails_with(queue.submit(3, "w1", answer(queue.task(0))), "UnknownTask",
                         {"task 3", "3 tasks"}));
  ASSERT_TRUE(queue.submit(0, "w1", answer(queue.task(0))).ok());
  EXPECT_TRUE(fails_with(queue.submit(0, "w1", answer(queue.task(0))), "AlreadyAnswered",
                         {"w1", "task 0"}));
  EXPECT_TRUE(fails_with(queue.submit(0, "w2", answer(queue.task(0))), "TaskComplete",
                         {"task 0", "1 answers"}));
}

TEST(ReviewQueue, AnAnswerPostLabelingCouldNotReadIsRefused) {
  ReviewQueue queue = queue_of(1);
  EXPECT_TRUE(fails_with(queue.submit(0, "w1", R"({"Crab-7":{"Confirmed":true}})"),
                         "InvalidAnnotation", {"'Crab-7'", "outside the batch of 3"}));
  EXPECT_TRUE(fails_with(queue.submit(0, "w1", R"({"Crab-0":{"Confirmed":true}})"),
                         "IncompleteAnswer", {"task 0", "'Crab-1'", "1 of the batch's 3 images"}));
  EXPECT_TRUE(fails_with(queue.submit(0, "w1", "[]"), "InvalidAnnotation", {"expected an object"}));
  // A refused answer takes no place: the task is still open to the same worker.
  EXPECT_EQ(queue.progress(), (ReviewProgress{0, 3}));
  EXPECT_TRUE(queue.submit(0, "w1", answer(queue.task(0))).ok());
}

TEST(ReviewQueue, KnowsTheImagesOfItsTasks) {
  const ReviewQueue queue = queue_of(1);
  EXPECT_TRUE(queue.has_image("s3://stack/images/Lobster/1.jpg"));
  EXPECT_FALSE(queue.has_image("s3://stack/images/Lobster/2.jpg"));
  EXPECT_FALSE(queue.has_image("s3://stack/batches/Crab.json"));
}

TEST(ReviewQueue, NoWorkersPerTaskIsABug) {
  EXPECT_THROW(ReviewQueue({}, 0, kHold), std::invalid_argument);
}

}  // namespace
}  // namespace bulkqa
