// Simulated reviewers on the portal, for `bulkqa serve --auto-review N`: each answers, through
// the same calls the review page makes, every task the portal hands it, as workers at the page
// would, until every task is complete.
#pragma once

#include <vector>

#include "bulkqa/portal/portal.hpp"
#include "bulkqa/review/review_simulation.hpp"
#include "bulkqa/util/error.hpp"

namespace bulkqa::portal {

// The portal's workers per task must not exceed the number of reviewers. An error when an answer
// fails, or kReviewIncomplete when the reviewers could not complete every task.
Status auto_review(Portal& portal, const TruthSource& truth,
                   const std::vector<SimulatedReviewer>& reviewers);

}  // namespace bulkqa::portal
