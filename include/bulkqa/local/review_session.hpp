// The review of a launched stack's tasks on this machine, as Ground Truth runs a labeling job:
// every manifest line goes through the pre-labeling function, workers are handed tasks
// (ReviewQueue), and once a task holds all its answers its consolidation request is stored and
// the post-labeling function runs on it (LocalStack::consolidate). Thread-safe: the review
// server's handlers and the simulated reviewers call it at once, one call at a time inside.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bulkqa/local/local_stack.hpp"
#include "bulkqa/qa/reviewed_image.hpp"
#include "bulkqa/qa/s3_uri.hpp"
#include "bulkqa/review/review_queue.hpp"
#include "bulkqa/review/review_simulation.hpp"
#include "bulkqa/util/error.hpp"

namespace bulkqa::local {

struct ReviewSessionOptions {
  std::size_t workers_per_task = 1;
  // How long a worker handed a task keeps its place without answering.
  std::chrono::steady_clock::duration hold_time = std::chrono::minutes(30);
  std::string labeling_job_arn =
      "arn:aws:sagemaker:us-east-1:000000000000:labeling-job/bulkqa-local";
  std::string label_attribute_name = "bulkqa";
  // Called after each task's consolidation, with the progress it made (inside the session's
  // lock: keep it short, and do not call the session from it).
  std::function<void(const ReviewProgress&)> on_task_consolidated;
};

struct TaskAssignment {
  std::optional<std::size_t> task;  // nullopt: no task open to this worker now
  nlohmann::json task_input;        // the task's taskInput, as pre-labeling returned it
  ReviewProgress progress;
};

class ReviewSession {
 public:
  // Runs every manifest line through pre-labeling. `stack` must outlive the session.
  static Result<std::unique_ptr<ReviewSession>> start(LocalStack& stack,
                                                      ReviewSessionOptions options);

  // The task `worker` should answer now (ReviewQueue::next_task).
  TaskAssignment next_task(const std::string& worker);
  // Takes `worker`'s answer to a task (ReviewQueue::submit); when it completes the task, stores
  // the consolidation request and runs post-labeling on it before returning. True when the task
  // is complete. A failed consolidation is returned, and also ends the session (wait()).
  Result<bool> submit(std::size_t task, const std::string& worker, std::string content);
  // The bytes of an image of one of the tasks; "NotATaskImage" for any other object.
  Result<std::string> image(const S3Uri& uri);

  // Tasks do not change once read: safe to call without the lock.
  const ReviewTask& task(std::size_t index) const { return queue_.task(index); }
  ReviewProgress progress() const;

  // Blocks until every task is consolidated (success), a consolidation failed (its error), or
  // stop() was called ("Interrupted").
  Status wait();
  // Ends the session: no more tasks or answers are taken, and wait() returns.
  void stop();

  // Every image item of the table, read under the session's lock.
  Result<std::vector<ReviewedImage>> reviewed_images();

 private:
  ReviewSession(LocalStack& stack, ReviewSessionOptions options, ReviewQueue queue);
  Status consolidate(std::size_t task);

  LocalStack& stack_;
  ReviewSessionOptions options_;
  ReviewQueue queue_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::optional<Error> failure_;
  bool stopped_ = false;
};

// Simulated reviewers answer, through the session, every task it hands them, as workers at the
// review page would, until every task is complete. The session's workers_per_task must not exceed
// the number of reviewers. An error when an answer or a consolidation fails, or the session stops.
Status auto_review(ReviewSession& session, const TruthSource& truth,
                   const std::vector<SimulatedReviewer>& reviewers);

}  // namespace bulkqa::local
