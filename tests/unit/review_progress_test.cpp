#include "bulkqa/review/review_progress.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace bulkqa {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;
using TimePoint = std::chrono::system_clock::time_point;

// A fixed "now": 2026-08-01 10:00:00 UTC.
const TimePoint kNow{seconds(1'785'578'400)};

TaskRecord task(std::size_t index, const std::string& label, std::size_t needed,
                std::size_t answers) {
  return {index, label, needed, answers};
}

// An answer handed out `ago` before kNow, taking `took` (negative: stamped by clocks that
// disagree).
AnswerRecord answer(const std::string& reviewer, seconds ago, seconds took, std::size_t images = 10,
                    std::size_t unchecked = 0) {
  const TimePoint handed_out = kNow - ago;
  return {0, "crab", reviewer, handed_out, handed_out + took, images, unchecked};
}

const ReviewerProgress& reviewer_named(const ProgressSummary& summary, const std::string& name) {
  for (const ReviewerProgress& reviewer : summary.reviewers) {
    if (reviewer.reviewer == name) return reviewer;
  }
  throw std::invalid_argument("no reviewer " + name);
}

TEST(ReviewProgress, BeforeAnyAnswerThereIsNoRateNorEstimate) {
  const ProgressInputs inputs{{task(0, "crab", 2, 0), task(1, "crab", 2, 0)}, {}};
  const ProgressSummary summary = summarize_progress(inputs, kNow);
  EXPECT_EQ(summary.total.tasks_done, 0u);
  EXPECT_EQ(summary.total.tasks_total, 2u);
  EXPECT_EQ(summary.total.answers_needed, 4u);
  EXPECT_TRUE(summary.reviewers.empty());
  EXPECT_EQ(summary.median_seconds, std::nullopt);
  EXPECT_EQ(summary.uncheck_rate, std::nullopt);
  EXPECT_EQ(summary.throughput.recent_per_hour, std::nullopt);
  EXPECT_EQ(summary.throughput.overall_per_hour, std::nullopt);
  EXPECT_EQ(summary.seconds_to_finish, std::nullopt);

  const nlohmann::json json = progress_json(summary);
  EXPECT_TRUE(json["seconds_to_finish"].is_null());
  EXPECT_TRUE(json["median_seconds"].is_null());
  EXPECT_EQ(json["reviewers"], nlohmann::json::array());
  const std::string text = progress_text(summary);
  EXPECT_NE(text.find("Reviews per hour: —\n"), std::string::npos) << text;
  EXPECT_NE(text.find("Estimated time to finish: — (answers left: 4;"), std::string::npos) << text;
  EXPECT_NE(text.find("No reviews yet.\n"), std::string::npos) << text;
}

TEST(ReviewProgress, CountsTasksDoneOfTotalPerLabel) {
  const ProgressInputs inputs{{task(0, "crab", 2, 2), task(1, "crab", 2, 1),
                               task(2, "lobster", 2, 3),  // a surplus counts as 2
                               task(3, "shrimp", 2, 0), task(4, "crab", 1, 1)},
                              {}};
  const ProgressSummary summary = summarize_progress(inputs, kNow);
  ASSERT_EQ(summary.labels.size(), 3u);
  EXPECT_EQ(summary.labels[0].label, "crab");
  EXPECT_EQ(summary.labels[0].tasks_done, 2u);
  EXPECT_EQ(summary.labels[0].tasks_total, 3u);
  EXPECT_EQ(summary.labels[0].answers, 4u);
  EXPECT_EQ(summary.labels[0].answers_needed, 5u);
  EXPECT_EQ(summary.labels[1].label, "lobster");
  EXPECT_EQ(summary.labels[1].tasks_done, 1u);
  EXPECT_EQ(summary.labels[1].answers, 2u);
  EXPECT_EQ(summary.labels[2].label, "shrimp");
  EXPECT_EQ(summary.labels[2].tasks_done, 0u);
  EXPECT_EQ(summary.labels[2].tasks_total, 1u);
  EXPECT_EQ(summary.total.tasks_done, 3u);
  EXPECT_EQ(summary.total.tasks_total, 5u);
  EXPECT_EQ(summary.total.answers, 6u);
  EXPECT_EQ(summary.total.answers_needed, 9u);
}

TEST(ReviewProgress, MediansOfOddAndEvenCounts) {
  const ProgressInputs inputs{
      {},
      {answer("ann", hours(2), seconds(30)), answer("ann", hours(2), seconds(10)),
       answer("ann", hours(2), seconds(20)), answer("bob", hours(2), seconds(10)),
       answer("bob", hours(2), seconds(40)), answer("bob", hours(2), seconds(20)),
       answer("bob", hours(2), seconds(30))}};
  const ProgressSummary summary = summarize_progress(inputs, kNow);
  EXPECT_DOUBLE_EQ(reviewer_named(summary, "ann").median_seconds, 20);  // 10 20 30
  EXPECT_DOUBLE_EQ(reviewer_named(summary, "bob").median_seconds, 25);  // 10 20 | 30 40
  ASSERT_TRUE(summary.median_seconds);
  EXPECT_DOUBLE_EQ(*summary.median_seconds, 20);  // 10 10 20 20 30 30 40
}

TEST(ReviewProgress, AnAnswerSubmittedBeforeItsHandOutTakesZeroSeconds) {
  // ann's first answer is stamped as submitted 30 s before it was handed out.
  const ProgressInputs inputs{
      {}, {answer("ann", seconds(100), seconds(-30)), answer("ann", seconds(80), seconds(10))}};
  const ProgressSummary summary = summarize_progress(inputs, kNow);
  EXPECT_DOUBLE_EQ(reviewer_named(summary, "ann").median_seconds, 5);  // (0 + 10) / 2
  // The review began at the earlier submission (130 s ago), and its last answer came 70 s ago:
  // 2 answers in 60 s.
  ASSERT_TRUE(summary.throughput.overall_per_hour);
  EXPECT_DOUBLE_EQ(*summary.throughput.overall_per_hour, 120);
}

TEST(ReviewProgress, UncheckRatePerReviewerAndOverall) {
  const ProgressInputs inputs{
      {},
      {answer("ann", hours(1), seconds(60), 25, 2), answer("ann", hours(1), seconds(60), 25, 3),
       answer("bob", hours(1), seconds(60), 25, 0), answer("carol", hours(1), seconds(60), 0, 0)}};
  const ProgressSummary summary = summarize_progress(inputs, kNow);
  const ReviewerProgress& ann = reviewer_named(summary, "ann");
  const ReviewerProgress& bob = reviewer_named(summary, "bob");
  const ReviewerProgress& carol = reviewer_named(summary, "carol");
  ASSERT_TRUE(ann.uncheck_rate);
  EXPECT_DOUBLE_EQ(*ann.uncheck_rate, 0.1);  // 5 of 50
  EXPECT_FALSE(ann.never_unchecks());
  ASSERT_TRUE(bob.uncheck_rate);
  EXPECT_DOUBLE_EQ(*bob.uncheck_rate, 0);
  EXPECT_TRUE(bob.never_unchecks());
  EXPECT_EQ(carol.uncheck_rate, std::nullopt);  // saw no image: no rate, and nothing to flag
  EXPECT_FALSE(carol.never_unchecks());
  ASSERT_TRUE(summary.uncheck_rate);
  EXPECT_DOUBLE_EQ(*summary.uncheck_rate, 5.0 / 75);

  const nlohmann::json json = progress_json(summary);
  EXPECT_EQ(json["reviewers"][1]["reviewer"], "bob");
  EXPECT_EQ(json["reviewers"][1]["never_unchecks"], true);
  EXPECT_TRUE(json["reviewers"][2]["uncheck_rate"].is_null());
  const std::string text = progress_text(summary);
  EXPECT_NE(text.find("0.0% (never)\n"), std::string::npos) << text;
}

TEST(ReviewProgress, RateOverTheLastHourAndOverallGiveTheEstimate) {
  // 6 answers since the first hand-out 3 h ago, 4 of them within the last hour: 4 per hour.
  // Overall: 6 answers from 3 h ago to the last submission 1 min ago, 179 min.
  const ProgressInputs inputs{
      {task(0, "crab", 2, 2), task(1, "crab", 2, 2), task(2, "crab", 2, 2), task(3, "crab", 2, 0),
       task(4, "crab", 2, 0)},
      {answer("ann", hours(3), minutes(30)), answer("ann", minutes(150), minutes(30)),
       answer("bob", minutes(60), minutes(10)), answer("bob", minutes(40), minutes(10)),
       answer("ann", minutes(20), minutes(10)), answer("bob", minutes(2), minutes(1))}};
  const ProgressSummary summary = summarize_progress(inputs, kNow);
  EXPECT_EQ(summary.throughput.window, hours(1));
  EXPECT_EQ(summary.throughput.recent_reviews, 4u);
  ASSERT_TRUE(summary.throughput.recent_per_hour);
  EXPECT_DOUBLE_EQ(*summary.throughput.recent_per_hour, 4);
  ASSERT_TRUE(summary.throughput.overall_per_hour);
  EXPECT_DOUBLE_EQ(*summary.throughput.overall_per_hour, 6 * 60.0 / 179);
  EXPECT_EQ(reviewer_named(summary, "ann").recent_reviews, 1u);
  EXPECT_EQ(reviewer_named(summary, "bob").recent_reviews, 3u);
  // 4 answers left at 4 per hour.
  ASSERT_TRUE(summary.seconds_to_finish);
  EXPECT_DOUBLE_EQ(*summary.seconds_to_finish, 3600);
  const std::string text = progress_text(summary);
  EXPECT_NE(text.find("Reviews per hour: 4.0 over the last hour, 2.0 overall\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("Estimated time to finish: 1 h 00 min (answers left: 4,"), std::string::npos)
      << text;
}

TEST(ReviewProgress, AReviewYoungerThanAnHourIsPacedSinceItsFirstHandOut) {
  // First hand-out 20 min ago, 2 answers since: 6 per hour, not 2.
  const ProgressInputs inputs{
      {task(0, "crab", 5, 2)},
      {answer("ann", minutes(20), minutes(5)), answer("ann", minutes(10), minutes(5))}};
  const ProgressSummary summary = summarize_progress(inputs, kNow);
  EXPECT_EQ(summary.throughput.window, minutes(20));
  ASSERT_TRUE(summary.throughput.recent_per_hour);
  EXPECT_DOUBLE_EQ(*summary.throughput.recent_per_hour, 6);
  ASSERT_TRUE(summary.seconds_to_finish);
  EXPECT_DOUBLE_EQ(*summary.seconds_to_finish, 1800);  // 3 left at 6 per hour
  const std::string text = progress_text(summary);
  EXPECT_NE(text.find("6.0 since the first hand-out 20 min ago"), std::string::npos) << text;
  EXPECT_NE(text.find("Estimated time to finish: 30 min ("), std::string::npos) << text;
}

TEST(ReviewProgress, LongEstimatesAreInDaysAndHours) {
  // One answer within the last hour of a review that began 2 h ago, 76 left: 76 h.
  const ProgressInputs inputs{
      {task(0, "crab", 78, 2)},
      {answer("ann", hours(2), minutes(1)), answer("ann", minutes(30), minutes(1))}};
  const ProgressSummary summary = summarize_progress(inputs, kNow);
  ASSERT_TRUE(summary.seconds_to_finish);
  EXPECT_DOUBLE_EQ(*summary.seconds_to_finish, 76 * 3600);
  EXPECT_NE(progress_text(summary).find("Estimated time to finish: 3 d 4 h ("), std::string::npos);
}

TEST(ReviewProgress, NoEstimateWhenNothingWasSubmittedInTheLastHour) {
  const ProgressInputs inputs{{task(0, "crab", 2, 1)}, {answer("ann", hours(3), minutes(1))}};
  const ProgressSummary summary = summarize_progress(inputs, kNow);
  ASSERT_TRUE(summary.throughput.recent_per_hour);
  EXPECT_DOUBLE_EQ(*summary.throughput.recent_per_hour, 0);
  EXPECT_EQ(summary.seconds_to_finish, std::nullopt);
  EXPECT_NE(progress_text(summary).find("Estimated time to finish: — (answers left: 1; none "),
            std::string::npos);
}

TEST(ReviewProgress, AFinishedReviewNeedsNoMoreTime) {
  const ProgressInputs inputs{{task(0, "crab", 1, 1)}, {answer("ann", hours(3), minutes(1))}};
  const ProgressSummary summary = summarize_progress(inputs, kNow);
  EXPECT_EQ(summary.seconds_to_finish, 0.0);
  EXPECT_NE(progress_text(summary).find("Estimated time to finish: done\n"), std::string::npos);
}

TEST(ReviewProgress, NoRecentRateWhenNowIsBeforeTheFirstHandOut) {
  // The answers were stamped by a portal whose clock runs ahead of this one.
  const ProgressInputs inputs{{task(0, "crab", 3, 1)}, {answer("ann", -minutes(5), minutes(1))}};
  const ProgressSummary summary = summarize_progress(inputs, kNow);
  EXPECT_EQ(summary.throughput.recent_per_hour, std::nullopt);
  EXPECT_EQ(summary.throughput.recent_reviews, 0u);
  EXPECT_EQ(summary.reviewers.at(0).recent_reviews, 0u);
  EXPECT_EQ(summary.seconds_to_finish, std::nullopt);
}

// A small review in full: every figure of the text and the JSON worked out by hand.
class ReviewProgressInFull : public ::testing::Test {
 protected:
  // Tasks: crab 0 done (2 of 2), crab 1 half (1 of 2), lobster 2 untouched. The first hand-out
  // was 40 min ago: 3 answers in 2400 s is 4.5 per hour; 3 left at that pace is 40 min. Overall:
  // 3 answers from 40 min ago to the last submission 20 min - 10 s ago, 1210 s: 8.93 per hour.
  const ProgressInputs inputs_{
      {task(0, "crab", 2, 2), task(1, "crab", 2, 1), task(2, "lobster", 2, 0)},
      {answer("ann", minutes(40), seconds(30), 4, 1), answer("bob", minutes(30), seconds(50), 4, 0),
       answer("ann", minutes(20), seconds(10), 4, 1)}};
  const ProgressSummary summary_ = summarize_progress(inputs_, kNow);
};

TEST_F(ReviewProgressInFull, Text) {
  const std::string expected =
      "Tasks done: 1 of 3 (answers: 3 of 6)\n"
      "Reviews per hour: 4.5 since the first hand-out 40 min ago, 8.9 overall\n"
      "Median seconds per task: 30.0\n"
      "Uncheck rate: 16.7%\n"
      "Estimated time to finish: 40 min (answers left: 3, at the recent pace)\n"
      "\n"
      "Label    Tasks done  Tasks  Answers  Needed\n"
      "crab              1      2        3       4\n"
      "lobster           0      1        0       2\n"
      "\n"
      "Reviewer  Reviews  Last hour  Median s  Images  Unchecked  Uncheck rate\n"
      "ann             2          2      20.0       8          2         25.0%\n"
      "bob             1          1      50.0       4          0  0.0% (never)\n";
  EXPECT_EQ(progress_text(summary_), expected);
}

TEST_F(ReviewProgressInFull, Json) {
  const nlohmann::json expected = {{"tasks", {{"done", 1}, {"total", 3}}},
                                   {"answers", {{"done", 3}, {"needed", 6}}},
                                   {"labels",
                                    {{{"label", "crab"},
                                      {"tasks_done", 1},
                                      {"tasks_total", 2},
                                      {"answers", 3},
                                      {"answers_needed", 4}},
                                     {{"label", "lobster"},
                                      {"tasks_done", 0},
                                      {"tasks_total", 1},
                                      {"answers", 0},
                                      {"answers_needed", 2}}}},
                                   {"reviewers",
                                    {{{"reviewer", "ann"},
                                      {"reviews", 2},
                                      {"recent_reviews", 2},
                                      {"median_seconds", 20.0},
                                      {"images", 8},
                                      {"unchecked", 2},
                                      {"uncheck_rate", 0.25},
                                      {"never_unchecks", false}},
                                     {{"reviewer", "bob"},
                                      {"reviews", 1},
                                      {"recent_reviews", 1},
                                      {"median_seconds", 50.0},
                                      {"images", 4},
                                      {"unchecked", 0},
                                      {"uncheck_rate", 0.0},
                                      {"never_unchecks", true}}}},
                                   {"throughput",
                                    {{"window_seconds", 2400.0},
                                     {"recent_reviews", 3},
                                     {"recent_per_hour", 4.5},
                                     {"overall_per_hour", 3 * 3600.0 / 1210}}},
                                   {"median_seconds", 30.0},
                                   {"uncheck_rate", 2.0 / 12},
                                   {"seconds_to_finish", 2400.0}};
  EXPECT_EQ(progress_json(summary_), expected);
}

}  // namespace
}  // namespace bulkqa
