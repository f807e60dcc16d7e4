// What the review portal's HTTP server asks of the state behind it: reviewers and their sessions,
// who holds which task, answers, images and progress. The server (portal/portal_server) only
// checks requests and turns them into these calls; Portal (portal/portal.hpp) implements them on
// DynamoDB, S3 and the exactly-once tally, so several portal processes can share one table.
//
// Secrets: invite tokens and session ids are handed out here once, in clear, and stored only as
// hashes; no call logs them.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "bulkqa/qa/s3_uri.hpp"
#include "bulkqa/util/error.hpp"

namespace bulkqa::portal {

using SystemClock = std::chrono::system_clock;

struct Reviewer {
  std::string name;  // 1-64 of [A-Za-z0-9._-]: also the worker id in the tally
  bool admin = false;
  bool revoked = false;
  SystemClock::time_point created;
};

// An invite to sign in once: the token (at least 128 random bits, hex) is shown only now.
struct Invite {
  std::string reviewer;
  std::string token;
  SystemClock::time_point expires;
};

// A signed-in browser: the session id goes into the cookie and is shown only now.
struct NewSession {
  std::string session_id;
  std::string reviewer;
  bool admin = false;
  SystemClock::time_point expires;
};

// Who a valid session belongs to.
struct SessionOwner {
  std::string reviewer;
  bool admin = false;
  SystemClock::time_point expires;
};

struct TaskCounts {
  std::size_t complete = 0;  // tasks holding all their answers
  std::size_t total = 0;
};

// A task the reviewer holds now, until lease_until (asking again renews the lease).
struct AssignedTask {
  std::size_t index = 0;  // the manifest line
  nlohmann::json input;   // taskInput, as pre-labeling makes it for Ground Truth
  // For each image of the task ("s3://bucket/key"), the URL the browser loads it from: a
  // presigned S3 GET URL on AWS, the portal's own /s3/<bucket>/<key> with the local moto stack.
  std::map<std::string, std::string> image_urls;
  SystemClock::time_point lease_until;
};

struct NextTask {
  std::optional<AssignedTask> task;  // nullopt: nothing open to this reviewer now
  TaskCounts counts;
};

struct SubmitOutcome {
  bool task_complete = false;  // this answer was the task's last
  TaskCounts counts;
};

class PortalBackend {
 public:
  virtual ~PortalBackend() = default;

  // Redeems an invite once: a new session for its reviewer. kInvalidInvite for a token unknown,
  // used or expired, or of a revoked reviewer (the same answer for each, to leak nothing).
  virtual Result<NewSession> redeem_invite(std::string_view token) = 0;
  // The owner of a session. kNoSession for an id unknown, expired, or of a revoked reviewer.
  virtual Result<SessionOwner> check_session(std::string_view session_id) = 0;
  virtual Status end_session(std::string_view session_id) = 0;

  // The task `reviewer` should answer now: the one it holds, else the first open to it.
  virtual Result<NextTask> next_task(const std::string& reviewer) = 0;
  // Stores `reviewer`'s answer (the crowd-form's annotation content) to a task it holds, durably,
  // then counts its votes exactly once. kUnknownTask, kLeaseLost (not held by this reviewer),
  // kAlreadyAnswered, kInvalidAnnotation / kIncompleteAnswer (naming the task).
  virtual Result<SubmitOutcome> submit(std::size_t task, const std::string& reviewer,
                                       std::string content) = 0;
  // The bytes of an image of a task `reviewer` holds now (the local moto stack's image route);
  // kNotATaskImage for any other object.
  virtual Result<std::string> image(const std::string& reviewer, const S3Uri& uri) = 0;

  // Progress for admins: tasks per label, reviews per reviewer, rates (see review/progress).
  virtual Result<nlohmann::json> progress() = 0;
  // For admins: the analysis of the votes so far, as `bulkqa report --format html` gives it.
  virtual Result<std::string> report_html() = 0;
};

}  // namespace bulkqa::portal
