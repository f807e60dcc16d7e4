// What progress is computed from (review/review_progress.hpp): the portal's record of each task
// and of each answer stored, as the portal's table holds them. Plain data, shared by the portal's
// store, which produces the records, and the progress statistics, which read them.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

namespace bulkqa {

// One reviewer's answer to one task.
struct AnswerRecord {
  std::size_t task = 0;  // the manifest line
  std::string label;     // the task's label
  std::string reviewer;
  // When the task was handed to the reviewer (the start of the lease the answer came under), and
  // when the answer was stored. Different portal processes may stamp the two with clocks that
  // disagree a little.
  std::chrono::system_clock::time_point handed_out, submitted;
  std::size_t images = 0, unchecked = 0;  // the task's images, and those the reviewer unchecked

  bool operator==(const AnswerRecord&) const = default;
};

// One task and how many answers it holds of those it needs (--workers-per-task).
struct TaskRecord {
  std::size_t task = 0;  // the manifest line
  std::string label;
  std::size_t answers_needed = 0;
  std::size_t answers = 0;
};

}  // namespace bulkqa
