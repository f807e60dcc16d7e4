#include "bulkqa/local/review_session.hpp"

#include "bulkqa/qa/ground_truth.hpp"

namespace bulkqa::local {
namespace {

Error interrupted() {
  return make_error(errc::kInterrupted, "the review was stopped");
}

}  // namespace

Result<std::unique_ptr<ReviewSession>> ReviewSession::start(LocalStack& stack,
                                                            ReviewSessionOptions options) {
  auto tasks = stack.tasks();
  if (!tasks) return tasks.error();
  std::vector<ReviewTask> review_tasks;
  review_tasks.reserve(tasks->size());
  for (std::size_t index = 0; index < tasks->size(); ++index) {
    local::Task& task = (*tasks)[index];
    auto source_ref = parse_s3_uri(task.source_ref);
    if (!source_ref) {
      return make_error(errc::kInvalidManifest, "manifest line " + std::to_string(index + 1) +
                                                    ": source-ref: " + source_ref.error().message);
    }
    review_tasks.push_back({std::move(*source_ref), std::move(task.items)});
  }
  ReviewQueue queue(std::move(review_tasks), options.workers_per_task, options.hold_time);
  return std::unique_ptr<ReviewSession>(
      new ReviewSession(stack, std::move(options), std::move(queue)));
}

ReviewSession::ReviewSession(LocalStack& stack, ReviewSessionOptions options, ReviewQueue queue)
    : stack_(stack), options_(std::move(options)), queue_(std::move(queue)) {}

TaskAssignment ReviewSession::next_task(const std::string& worker) {
  std::lock_guard lock(mutex_);
  TaskAssignment assignment;
  if (!stopped_ && !failure_) {
    assignment.task = queue_.next_task(worker, ReviewQueue::Clock::now());
  }
  if (assignment.task) {
    assignment.task_input = pre_labeling_response(queue_.task(*assignment.task).items)["taskInput"];
  }
  assignment.progress = queue_.progress();
  return assignment;
}

Result<bool> ReviewSession::submit(std::size_t task, const std::string& worker,
                                   std::string content) {
  std::lock_guard lock(mutex_);
  if (stopped_ || failure_)
    return make_error(errc::kReviewEnded, "the review takes no more answers");
  auto completed = queue_.submit(task, worker, std::move(content));
  if (!completed) return completed.error();
  if (*completed) {
    if (Status consolidated = consolidate(task); !consolidated) {
      failure_ = consolidated.error();
      changed_.notify_all();
      return consolidated.error();
    }
    if (options_.on_task_consolidated) options_.on_task_consolidated(queue_.progress());
    changed_.notify_all();
  }
  return *completed;
}

// Called with the lock held.
Status ReviewSession::consolidate(std::size_t task) {
  const nlohmann::json payload = consolidation_payload_json({queue_.dataset_object(task)});
  auto answer =
      stack_.consolidate(options_.labeling_job_arn, options_.label_attribute_name, payload);
  if (!answer) return answer.error();
  return {};
}

Result<std::string> ReviewSession::image(const S3Uri& uri) {
  std::lock_guard lock(mutex_);
  if (!queue_.has_image(uri.str())) {
    return make_error(errc::kNotATaskImage, uri.str() + " is not an image of the review's tasks");
  }
  return stack_.s3().get_object(uri.bucket, uri.key);
}

ReviewProgress ReviewSession::progress() const {
  std::lock_guard lock(mutex_);
  return queue_.progress();
}

Status ReviewSession::wait() {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [this] { return stopped_ || failure_ || queue_.all_complete(); });
  if (failure_) return *failure_;
  if (!queue_.all_complete()) return interrupted();
  return {};
}

void ReviewSession::stop() {
  {
    std::lock_guard lock(mutex_);
    stopped_ = true;
  }
  changed_.notify_all();
}

Result<std::vector<ReviewedImage>> ReviewSession::reviewed_images() {
  std::lock_guard lock(mutex_);
  return stack_.reviewed_images();
}

Status auto_review(ReviewSession& session, const TruthSource& truth,
                   const std::vector<SimulatedReviewer>& reviewers) {
  bool answered = true;
  while (answered) {
    answered = false;
    for (const SimulatedReviewer& reviewer : reviewers) {
      const TaskAssignment assignment = session.next_task(reviewer.worker_id);
      if (!assignment.task) continue;
      const std::string content =
          simulated_annotation(session.task(*assignment.task).items, truth, reviewer);
      auto submitted = session.submit(*assignment.task, reviewer.worker_id, content);
      if (!submitted) return submitted.error();
      answered = true;
    }
  }
  const ReviewProgress progress = session.progress();
  if (progress.complete == progress.total) return {};
  return make_error(errc::kReviewIncomplete,
                    std::to_string(reviewers.size()) + " simulated reviewers left " +
                        std::to_string(progress.total - progress.complete) +
                        " tasks without all their answers");
}

}  // namespace bulkqa::local
