// The review portal's state on AWS: reviewers, invites and sessions, who holds which task, and
// answers, in the portal table (DynamoDB); the stack's tasks from its manifest and batches (S3);
// votes counted in the image table by the same exactly-once code as post-labeling. Several
// portal processes may share one table: every change is a conditional write, so they never hand
// out one place twice. Thread-safe (one call at a time inside a process).
//
// Why a table of its own, apart from the image table: its items live for hours or days (sessions
// and invites expire by TTL) where the image table keeps the result for good; it is read by key
// and by small partitions, where the analysis scans the image table whole; and it holds the
// reviewers' names and answers, which the analysis of the labels has no business reading.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "bulkqa/aws/config.hpp"
#include "bulkqa/aws/dynamodb.hpp"
#include "bulkqa/aws/http.hpp"
#include "bulkqa/aws/s3.hpp"
#include "bulkqa/portal/portal_backend.hpp"
#include "bulkqa/portal/portal_table.hpp"
#include "bulkqa/review/answer_record.hpp"
#include "bulkqa/review/review_progress.hpp"
#include "bulkqa/review/task_places.hpp"

namespace bulkqa::portal {

struct PortalOptions {
  aws::AwsConfig aws;
  std::string portal_table;
  std::string image_table;
  // Holds the manifest and the batches, and the images unless launch left them in place.
  std::string stack_bucket;
  // Places per task, for the tasks this portal writes first; tasks already in the table keep
  // theirs, so every portal on one table agrees.
  std::size_t workers_per_task = 1;
  SystemClock::duration lease_time = std::chrono::minutes(30);  // the task time limit
  SystemClock::duration invite_lifetime = std::chrono::hours(24 * 7);
  SystemClock::duration session_lifetime = std::chrono::hours(12);
  // Where the browser loads an image from: a presigned GET URL, or the local proxy's
  // "/s3/<bucket>/<key>".
  std::function<std::string(const S3Uri&)> image_url;
  // Called after each answer this portal stores and counts, with the tasks complete then
  // (inside the portal's lock: keep it short, and do not call the portal from it).
  std::function<void(const TaskCounts&)> on_answer;
  // The time now; tests move it.
  std::function<SystemClock::time_point()> clock = [] { return SystemClock::now(); };
};

class Portal : public PortalBackend {
 public:
  // Loads the tasks (writing those the table lacks), then repairs (repair()). Errors: the
  // manifest's or a batch's, a task in the table that names another batch than the manifest
  // (kInvalidManifest: the table belongs to an earlier launch), AWS errors.
  static Result<std::unique_ptr<Portal>> open(PortalOptions options);
  // The portal as `bulkqa reviewers` and `bulkqa progress` need it: the tasks a portal wrote to
  // the table (none before the first `bulkqa serve`), nothing read from S3 and nothing written
  // at start. kMissingItem for a table missing a task.
  static Result<std::unique_ptr<Portal>> open_existing(PortalOptions options);

  // Reviewers. add_reviewer: kInvalidReviewerName, kReviewerExists.
  Result<Invite> add_reviewer(const std::string& name, bool admin);
  Result<std::vector<Reviewer>> list_reviewers();
  // Ends every session of the reviewer at once (kUnknownReviewer if there is none).
  Status revoke_reviewer(const std::string& name);

  Result<NewSession> redeem_invite(std::string_view token) override;
  Result<SessionOwner> check_session(std::string_view session_id) override;
  Status end_session(std::string_view session_id) override;

  Result<NextTask> next_task(const std::string& reviewer) override;
  Result<SubmitOutcome> submit(std::size_t task, const std::string& reviewer,
                               std::string content) override;
  Result<std::string> image(const std::string& reviewer, const S3Uri& uri) override;

  // The statistics of the admin page and `bulkqa progress` (review/review_progress.hpp).
  Result<nlohmann::json> progress() override;
  // Scans the image table.
  Result<std::string> report_html() override;
  Result<std::vector<AnswerRecord>> answer_records();
  // What those statistics are computed from: every task's answers, and every answer stored.
  Result<ProgressInputs> progress_inputs();

  // Counts the votes of every stored answer not marked applied (a portal stopped between storing
  // an answer and counting it). Votes already counted are not counted again.
  Status repair();

  const std::vector<PortalTask>& tasks() const { return tasks_; }
  // The buckets the tasks' images are in: the stack bucket when launch copied them, the image
  // source when it left them in place (CopyImages false).
  std::set<std::string> image_buckets() const;
  // The portal's labeling job, in vote ids: the same for every portal of one stack.
  const std::string& labeling_job() const { return labeling_job_; }

 private:
  // A place the table gave this portal's reviewer.
  struct Claimed {
    std::size_t task = 0;
    SystemClock::time_point until;
  };

  explicit Portal(PortalOptions options);
  Status load_tasks();
  // The tasks in the table, by index.
  Result<std::map<std::size_t, PortalTask>> stored_tasks();
  Result<PortalTask> make_task(std::size_t index, const nlohmann::json& manifest_line);
  // Every task's places, in manifest order.
  Result<std::vector<TaskPlaces>> read_places();
  // Tries the choices in order; the first the table takes, or nullopt when concurrent portals
  // took them all.
  Result<std::optional<Claimed>> claim(const std::vector<TaskPlaces>& places,
                                       const std::vector<PlaceChoice>& choices,
                                       const std::string& reviewer);
  AssignedTask assigned(const Claimed& claimed) const;
  Status store_answer(const AnswerItem& answer, std::size_t place);
  // Whether `reviewer` still holds `place` of `task`, unanswered (read consistently).
  Result<bool> holds_place(std::size_t task, std::size_t place, const std::string& reviewer);
  // Counts an answer's votes, then marks it applied.
  Status apply_answer(const AnswerItem& answer);
  // Whether this call found the task full first.
  Result<bool> mark_complete(std::size_t task);
  Result<std::vector<AnswerItem>> read_answers();
  Result<ReviewerItem> live_reviewer(const std::string& name);

  PortalOptions options_;
  aws::HttpClient http_;
  aws::S3Client s3_;
  aws::DynamoDbClient dynamodb_;
  std::vector<PortalTask> tasks_;
  std::string labeling_job_;
  std::mutex mutex_;
};

}  // namespace bulkqa::portal
