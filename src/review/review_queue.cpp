#include "bulkqa/review/review_queue.hpp"

#include <algorithm>
#include <stdexcept>

namespace bulkqa {

namespace {

std::string task_name(std::size_t index) {
  return "task " + std::to_string(index);
}

}  // namespace

ReviewQueue::ReviewQueue(std::vector<ReviewTask> tasks, std::size_t workers_per_task,
                         Clock::duration hold_time)
    : workers_per_task_(workers_per_task), hold_time_(hold_time) {
  if (workers_per_task == 0) {
    throw std::invalid_argument("ReviewQueue: workers_per_task must be at least 1");
  }
  tasks_.reserve(tasks.size());
  for (ReviewTask& task : tasks) {
    for (const BatchItem& item : task.items) image_urls_.insert(item.s3_image_url);
    tasks_.push_back({std::move(task), {}, {}});
  }
}

bool ReviewQueue::is_complete(const TaskState& state) const {
  return state.answers.size() >= workers_per_task_;
}

bool ReviewQueue::has_answered(const TaskState& state, const std::string& worker) {
  return std::any_of(state.answers.begin(), state.answers.end(),
                     [&worker](const Annotation& answer) { return answer.worker_id == worker; });
}

bool ReviewQueue::has_open_place(const TaskState& state, const std::string& worker,
                                 Clock::time_point now) const {
  const auto held_by_others =
      std::count_if(state.holds.begin(), state.holds.end(),
                    [&](const auto& hold) { return hold.first != worker && hold.second > now; });
  return state.answers.size() + static_cast<std::size_t>(held_by_others) < workers_per_task_;
}

void ReviewQueue::release_holds_of(const std::string& worker) {
  for (TaskState& state : tasks_) state.holds.erase(worker);
}

ReviewProgress ReviewQueue::progress() const {
  const auto complete = std::count_if(
      tasks_.begin(), tasks_.end(), [this](const TaskState& state) { return is_complete(state); });
  return {static_cast<std::size_t>(complete), tasks_.size()};
}

bool ReviewQueue::all_complete() const {
  const ReviewProgress now = progress();
  return now.complete == now.total;
}

std::optional<std::size_t> ReviewQueue::next_task(const std::string& worker,
                                                  Clock::time_point now) {
  std::optional<std::size_t> chosen;
  for (std::size_t index = 0; index < tasks_.size(); ++index) {
    const TaskState& state = tasks_[index];
    const auto hold = state.holds.find(worker);
    if (hold != state.holds.end() && hold->second > now && !is_complete(state)) {
      chosen = index;
      break;
    }
  }
  for (std::size_t index = 0; !chosen && index < tasks_.size(); ++index) {
    const TaskState& state = tasks_[index];
    if (!is_complete(state) && !has_answered(state, worker) && has_open_place(state, worker, now)) {
      chosen = index;
    }
  }
  release_holds_of(worker);
  if (chosen) tasks_[*chosen].holds[worker] = now + hold_time_;
  return chosen;
}

Result<bool> ReviewQueue::submit(std::size_t index, const std::string& worker,
                                 std::string content) {
  if (index >= tasks_.size()) {
    return make_error(errc::kUnknownTask, task_name(index) + " does not exist (the job has " +
                                              std::to_string(tasks_.size()) + " tasks)");
  }
  TaskState& state = tasks_[index];
  if (has_answered(state, worker)) {
    return make_error(errc::kAlreadyAnswered,
                      "worker " + worker + " has already answered " + task_name(index));
  }
  if (is_complete(state)) {
    return make_error(errc::kTaskComplete, task_name(index) + " already has its " +
                                               std::to_string(workers_per_task_) + " answers");
  }
  // Refused here as post-labeling would refuse it, while the worker can still answer again.
  if (Result<std::vector<Vote>> votes = parse_votes(content, state.task.items); !votes) {
    return with_context("the answer to " + task_name(index), votes.error());
  }
  state.answers.push_back({worker, std::move(content), std::nullopt});
  state.holds.erase(worker);
  return is_complete(state);
}

DatasetObject ReviewQueue::dataset_object(std::size_t index) const {
  const TaskState& state = tasks_.at(index);
  return {std::to_string(index), state.task.source_ref, std::nullopt, state.answers};
}

bool ReviewQueue::has_image(std::string_view s3_image_url) const {
  return image_urls_.contains(s3_image_url);
}

}  // namespace bulkqa
