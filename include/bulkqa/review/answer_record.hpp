// One stored answer of the review portal, as the progress statistics read it: which task, which
// reviewer, when the task was handed out and when answered, and how many images it unchecked.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

namespace bulkqa {

struct AnswerRecord {
  std::size_t task = 0;  // the manifest line
  std::string label;     // the label the task's images were reviewed for
  std::string reviewer;
  std::chrono::system_clock::time_point handed_out, submitted;
  std::size_t images = 0;     // images of the task
  std::size_t unchecked = 0;  // of those, the ones the reviewer said are not `label`

  bool operator==(const AnswerRecord&) const = default;
};

}  // namespace bulkqa
