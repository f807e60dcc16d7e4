#include "bulkqa/portal/auto_review.hpp"

#include <string>

namespace bulkqa::portal {

Status auto_review(Portal& portal, const TruthSource& truth,
                   const std::vector<SimulatedReviewer>& reviewers) {
  // Round after round, each reviewer answers the task it is handed; a round in which nobody was
  // handed anything ends the review (each reviewer answers at once, so no place is held).
  TaskCounts counts;
  bool answered = true;
  while (answered) {
    answered = false;
    for (const SimulatedReviewer& reviewer : reviewers) {
      auto next = portal.next_task(reviewer.worker_id);
      if (!next) return next.error();
      counts = next->counts;
      if (!next->task) continue;
      const std::size_t task = next->task->index;
      auto submitted =
          portal.submit(task, reviewer.worker_id,
                        simulated_annotation(portal.tasks().at(task).items, truth, reviewer));
      if (!submitted) return submitted.error();
      counts = submitted->counts;
      answered = true;
    }
  }
  if (counts.complete == counts.total) return {};
  return make_error(errc::kReviewIncomplete, std::to_string(reviewers.size()) +
                                                 " simulated reviewers left " +
                                                 std::to_string(counts.total - counts.complete) +
                                                 " tasks without all their answers");
}

}  // namespace bulkqa::portal
