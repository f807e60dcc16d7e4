// The progress of a review, for whoever runs it (the portal's admin page and `bulkqa progress`):
// tasks done per label, each reviewer's reviews, pace and uncheck rate, throughput, and an
// estimated time to finish. Pure: the caller reads the records and passes the time.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bulkqa/review/answer_record.hpp"

namespace bulkqa {

// Everything progress is computed from: every task of the review, and every answer stored.
struct ProgressInputs {
  std::vector<TaskRecord> tasks;
  std::vector<AnswerRecord> answers;
};

// The current pace is measured over the last hour: long enough to smooth out single slow tasks,
// short enough that the estimate follows reviewers who start, stop or join.
inline constexpr std::chrono::seconds kRecentWindow = std::chrono::hours(1);

struct LabelProgress {
  std::string label;
  std::size_t tasks_done = 0;  // tasks holding all the answers they need
  std::size_t tasks_total = 0;
  std::size_t answers = 0;  // counted up to what each task needs
  std::size_t answers_needed = 0;
};

struct ReviewerProgress {
  std::string reviewer;
  std::size_t reviews = 0;
  std::size_t recent_reviews = 0;  // submitted within the recent window
  double median_seconds = 0;       // from hand-out to submission, over this reviewer's reviews
  std::size_t images = 0;
  std::size_t unchecked = 0;
  std::optional<double> uncheck_rate;  // unchecked / images; nullopt when it saw no image
  // Saw images and unchecked none: a reviewer who may be confirming without looking.
  bool never_unchecks() const { return images > 0 && unchecked == 0; }
};

struct Throughput {
  // The recent window used: kRecentWindow, or the time since the first hand-out when the review
  // began more recently (counting its quiet minutes before the start would understate the pace).
  std::chrono::duration<double> window{0};
  std::size_t recent_reviews = 0;
  std::optional<double> recent_per_hour;   // nullopt before the first hand-out
  std::optional<double> overall_per_hour;  // from the first hand-out to the last submission
};

struct ProgressSummary {
  std::vector<LabelProgress> labels;        // by label
  std::vector<ReviewerProgress> reviewers;  // by name; only those who answered something
  LabelProgress total;                      // all labels together (its label is empty)
  Throughput throughput;
  std::optional<double> median_seconds;  // over every review; nullopt before the first
  std::optional<double> uncheck_rate;    // over every review; nullopt before the first image
  // The answers still needed at the recent pace: 0 once every task is done, nullopt while
  // nothing was submitted within the recent window (no pace to go by).
  std::optional<double> seconds_to_finish;
};

// The summary at `now`. A record stamped as submitted before it was handed out (the two stamps
// may come from portal processes whose clocks disagree) counts as taking 0 seconds.
ProgressSummary summarize_progress(const ProgressInputs& inputs,
                                   std::chrono::system_clock::time_point now);

// The summary for GET /api/progress and `bulkqa progress --format json`:
//   {"tasks": {"done", "total"}, "answers": {"done", "needed"},
//    "labels": [{"label", "tasks_done", "tasks_total", "answers", "answers_needed"}],
//    "reviewers": [{"reviewer", "reviews", "recent_reviews", "median_seconds", "images",
//                   "unchecked", "uncheck_rate", "never_unchecks"}],
//    "throughput": {"window_seconds", "recent_reviews", "recent_per_hour", "overall_per_hour"},
//    "median_seconds", "uncheck_rate", "seconds_to_finish"}
// Rates and durations are numbers, or null where the summary has none. An uncheck rate is a
// fraction (0.08 for 8%).
nlohmann::json progress_json(const ProgressSummary& summary);

// The summary as a plain-text report with aligned tables, for a terminal.
std::string progress_text(const ProgressSummary& summary);

}  // namespace bulkqa
