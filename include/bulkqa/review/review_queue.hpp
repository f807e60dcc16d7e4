// Who reviews which task, as Ground Truth hands a labeling job's tasks to its workers: every task
// goes to `workers_per_task` different workers (NumberOfHumanWorkersPerDataObject), a worker
// answers a task at most once, and a task is complete once it holds that many answers. A worker
// handed a task holds one of its places for a while, so that two workers are not sent to the last
// place of the same task; a hold that runs out frees the place (the worker left). Pure: the caller
// passes the time and does the I/O (serving pages, consolidating complete tasks). Not
// thread-safe.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "bulkqa/qa/batching.hpp"
#include "bulkqa/qa/ground_truth.hpp"
#include "bulkqa/qa/s3_uri.hpp"
#include "bulkqa/util/error.hpp"

namespace bulkqa {

// One task: a manifest line's batch object and the task input pre-labeling made of it.
struct ReviewTask {
  S3Uri source_ref;
  std::vector<BatchItem> items;
};

struct ReviewProgress {
  std::size_t complete = 0;  // tasks holding all their answers
  std::size_t total = 0;

  bool operator==(const ReviewProgress&) const = default;
};

class ReviewQueue {
 public:
  using Clock = std::chrono::steady_clock;

  // Throws std::invalid_argument for a workers_per_task of 0 (a caller bug: options are
  // validated when read).
  ReviewQueue(std::vector<ReviewTask> tasks, std::size_t workers_per_task,
              Clock::duration hold_time);

  std::size_t size() const { return tasks_.size(); }
  const ReviewTask& task(std::size_t index) const { return tasks_.at(index).task; }
  ReviewProgress progress() const;
  bool all_complete() const;

  // The task `worker` should answer now: the one it holds, if it still holds one; otherwise the
  // first task, in manifest order, that it has not answered and that has a place neither answered
  // nor held by another worker. The worker then holds that place until `now` + hold time (asking
  // again renews the hold). nullopt when no task is open to this worker.
  std::optional<std::size_t> next_task(const std::string& worker, Clock::time_point now);

  // Records `worker`'s answer to task `index` (the annotation content the worker template
  // submitted) and frees its hold. True when this answer completes the task. Errors name the task
  // and worker: "UnknownTask", "AlreadyAnswered", "TaskComplete"; an answer that
  // post-labeling would refuse gives parse_votes's error ("InvalidAnnotation", or
  // "IncompleteAnswer" for one without a vote for every image of the task), naming the task.
  Result<bool> submit(std::size_t index, const std::string& worker, std::string content);

  // The task as Ground Truth puts it in a consolidation request: datasetObjectId (the manifest
  // line's index), its source-ref, and every answer so far.
  DatasetObject dataset_object(std::size_t index) const;

  // Whether an image of some task is at this "s3://bucket/key".
  bool has_image(std::string_view s3_image_url) const;

 private:
  struct TaskState {
    ReviewTask task;
    std::vector<Annotation> answers;
    std::map<std::string, Clock::time_point> holds;  // worker -> end of its hold
  };

  bool is_complete(const TaskState& state) const;
  static bool has_answered(const TaskState& state, const std::string& worker);
  bool has_open_place(const TaskState& state, const std::string& worker,
                      Clock::time_point now) const;
  void release_holds_of(const std::string& worker);

  std::vector<TaskState> tasks_;
  std::size_t workers_per_task_;
  Clock::duration hold_time_;
  std::set<std::string, std::less<>> image_urls_;
};

}  // namespace bulkqa
