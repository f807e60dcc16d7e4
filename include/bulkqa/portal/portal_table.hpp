// The portal table's items, one table keyed by (pk, sk) strings:
//
//   pk                  sk                        item
//   "reviewers"         <name>                    name, admin, revoked, generation, created
//   "invite#<sha256>"   "invite"                  reviewer, expires, expires_at (TTL)
//   "session#<sha256>"  "session"                 reviewer, generation, expires, expires_at (TTL)
//   "tasks"             <index, 10 digits>        index, source_ref, input, workers, answers,
//                                                 complete, place0 … place<workers-1>
//   "answers"           <index, 10 digits>#<name> task, reviewer, label, content, handed_out,
//                                                 submitted, images, unchecked, applied
//
// A task's places are maps {reviewer, handed_out, until, answered} in the task item itself, so
// that handing out a place is one conditional update that sees every place of the task (which
// reviewers hold or answered it) at once. Tasks, answers and reviewers each share a partition so
// a Query reads them in order (a partition serves thousands of reads a second, far beyond a
// review's pace). Invites and sessions are looked up by the hash of their secret only. Times are
// milliseconds since the epoch; expires_at is in seconds, for DynamoDB's TTL, which deletes
// expired items within days (the expiry is checked on every read regardless).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "bulkqa/portal/portal_backend.hpp"
#include "bulkqa/qa/batching.hpp"
#include "bulkqa/review/answer_record.hpp"
#include "bulkqa/review/task_places.hpp"
#include "bulkqa/util/error.hpp"

namespace bulkqa::portal {

inline constexpr const char* kTtlAttribute = "expires_at";

// A stack's review task, as read once at start.
struct PortalTask {
  std::size_t index = 0;
  std::string source_ref;
  nlohmann::json input;  // taskInput, as pre-labeling made it
  std::vector<BatchItem> items;
};

struct ReviewerItem {
  Reviewer reviewer;
  std::uint64_t generation = 0;  // bumped on revoke: sessions of an older generation are void
};

struct SessionItem {
  std::string reviewer;
  std::uint64_t generation = 0;
  SystemClock::time_point expires;
};

// A stored answer, and what the statistics read of it.
struct AnswerItem {
  AnswerRecord record;
  std::string content;   // the crowd-form's annotation content
  bool applied = false;  // its votes are counted
};

// At least 128 random bits (here 256) from OpenSSL's RAND_bytes, as lower-case hex.
std::string new_secret();
// What the table stores of a secret: its SHA-256, hex.
std::string secret_hash(std::string_view secret);

std::int64_t to_millis(SystemClock::time_point time);
SystemClock::time_point from_millis(std::int64_t millis);

nlohmann::json reviewer_key(std::string_view name);
nlohmann::json invite_key(std::string_view token);
nlohmann::json session_key(std::string_view session_id);
nlohmann::json task_key(std::size_t index);
nlohmann::json answer_key(std::size_t task, std::string_view reviewer);

nlohmann::json reviewer_item(const ReviewerItem& reviewer);
Result<ReviewerItem> parse_reviewer_item(const nlohmann::json& item);
nlohmann::json invite_item(std::string_view token, const Invite& invite);
nlohmann::json session_item(std::string_view session_id, const SessionItem& session);
Result<SessionItem> parse_session_item(const nlohmann::json& item);
nlohmann::json task_item(const PortalTask& task, std::size_t workers);
// The task's index, source-ref and input (its items are parsed from the input's sourceRef).
Result<PortalTask> parse_task_item(const nlohmann::json& item);
Result<TaskPlaces> parse_task_places(const nlohmann::json& item);
nlohmann::json answer_item(const AnswerItem& answer);
Result<AnswerItem> parse_answer_item(const nlohmann::json& item);

// UpdateItem giving `reviewer` place `choice.place` of the task until `until`, on the condition
// that the table still agrees: the place open (or, to renew, still the reviewer's and not
// answered), and no other place of the task answered or held by the reviewer. `workers` is the
// task's number of places.
nlohmann::json claim_request(const std::string& table, const PlaceChoice& choice,
                             std::size_t workers, const Lease& lease, SystemClock::time_point now);

// The TransactWriteItems of an answer: the place marked answered (on the condition that the
// reviewer still holds it) and the answer item put (on the condition that there is none).
nlohmann::json store_answer_request(const std::string& table, std::size_t place,
                                    const AnswerItem& answer);

}  // namespace bulkqa::portal
