#include "bulkqa/portal/portal.hpp"

#include <algorithm>
#include <map>
#include <sstream>

#include "bulkqa/aws/service_codes.hpp"
#include "bulkqa/functions/function_config.hpp"
#include "bulkqa/functions/image_table.hpp"
#include "bulkqa/functions/pre_labeling.hpp"
#include "bulkqa/functions/vote_counter.hpp"
#include "bulkqa/qa/ground_truth.hpp"
#include "bulkqa/qa/stack_layout.hpp"
#include "bulkqa/qa/tally.hpp"
#include "bulkqa/report/report.hpp"
#include "bulkqa/report/report_format.hpp"
#include "bulkqa/util/json_fields.hpp"
#include "bulkqa/util/log.hpp"
#include "bulkqa/util/text.hpp"

namespace bulkqa::portal {
namespace {

using nlohmann::json;

// Rounds of reading the places and trying each open one before giving up: each round fails only
// when concurrent portals took every place this one tried.
constexpr int kMaxClaimRounds = 20;
// Attempts to store an answer whose transaction met concurrent writes to its task.
constexpr int kMaxStoreRounds = 8;
// What pre-labeling sees as the job: any ARN-shaped text does (it only logs it).
constexpr const char* kPortalJobArn = "arn:aws:sagemaker:::labeling-job/bulkqa-portal";

bool is_refused(const Error& error) {
  return error.code == aws::service_code::kConditionalCheckFailed ||
         error.code == aws::service_code::kTransactionCanceled;
}

json partition_query(const std::string& table, const char* partition) {
  return {{"TableName", table},
          {"KeyConditionExpression", "pk = :pk"},
          {"ExpressionAttributeValues", {{":pk", {{"S", partition}}}}},
          {"ConsistentRead", true}};
}

Error invalid_invite() {
  return make_error(errc::kInvalidInvite, "the invite is unknown, used or expired");
}

Error no_session() {
  return make_error(errc::kNoSession, "no valid session: sign in with an invite");
}

std::string task_name(std::size_t index) {
  return "task " + std::to_string(index);
}

// A secret as new_secret() makes them: anything else is refused before any table lookup.
bool looks_like_secret(std::string_view text) {
  return text.size() == 64 && std::all_of(text.begin(), text.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

TaskCounts counts_of(const std::vector<TaskPlaces>& places) {
  TaskCounts counts{0, places.size()};
  for (const auto& task : places) counts.complete += task_complete(task) ? 1 : 0;
  return counts;
}

// The manifest's lines, each a JSON object with a string source-ref.
Result<std::vector<json>> manifest_lines(const std::string& text) {
  std::vector<json> lines;
  std::istringstream stream(text);
  std::size_t number = 0;
  for (std::string line; std::getline(stream, line);) {
    ++number;
    if (is_blank(line)) continue;
    const std::string what = "manifest line " + std::to_string(number);
    auto entry = parse_json(line, what, errc::kInvalidManifest);
    if (!entry) return entry.error();
    if (!entry->is_object() || !entry->contains("source-ref") ||
        !(*entry)["source-ref"].is_string()) {
      return make_error(errc::kInvalidManifest, what + " has no source-ref");
    }
    lines.push_back(std::move(*entry));
  }
  return lines;
}

}  // namespace

Portal::Portal(PortalOptions options)
    : options_(std::move(options)),
      s3_(options_.aws, http_),
      dynamodb_(options_.aws, http_),
      labeling_job_("bulkqa-portal:" + S3Uri{options_.stack_bucket, kManifestKey}.str()) {}

Result<std::unique_ptr<Portal>> Portal::open(PortalOptions options) {
  if (options.workers_per_task == 0) {
    return make_error(errc::kInvalidOptions, "workers per task must be at least 1");
  }
  std::unique_ptr<Portal> portal(new Portal(std::move(options)));
  if (Status loaded = portal->load_tasks(); !loaded) return loaded.error();
  if (Status repaired = portal->repair(); !repaired) return repaired.error();
  return portal;
}

Result<std::unique_ptr<Portal>> Portal::open_existing(PortalOptions options) {
  std::unique_ptr<Portal> portal(new Portal(std::move(options)));
  auto stored = portal->stored_tasks();
  if (!stored) return stored.error();
  for (auto& [index, task] : *stored) {
    if (index != portal->tasks_.size()) {
      return make_error(errc::kMissingItem, task_name(portal->tasks_.size()) +
                                                " is not in the portal table " +
                                                quote_value(portal->options_.portal_table));
    }
    portal->tasks_.push_back(std::move(task));
  }
  return portal;
}

// Tasks ---------------------------------------------------------------------------------------

Status Portal::load_tasks() {
  auto manifest = s3_.get_object(options_.stack_bucket, kManifestKey);
  if (!manifest) return with_context("the manifest", manifest.error());
  auto lines = manifest_lines(*manifest);
  if (!lines) return lines.error();
  auto stored = stored_tasks();
  if (!stored) return stored.error();
  std::map<std::size_t, PortalTask>& in_table = *stored;
  for (std::size_t index = 0; index < lines->size(); ++index) {
    const std::string source_ref = (*lines)[index]["source-ref"];
    auto found = in_table.find(index);
    auto task = found != in_table.end() ? Result<PortalTask>(std::move(found->second))
                                        : make_task(index, (*lines)[index]);
    if (!task) return task.error();
    // A table written for an earlier launch would hand out the wrong images.
    if (task->source_ref != source_ref) {
      return make_error(errc::kInvalidManifest,
                        task_name(index) + " of the portal table is " +
                            quote_value(task->source_ref) + ", the manifest's line is " +
                            quote_value(source_ref) + ": the stack was launched again");
    }
    tasks_.push_back(std::move(*task));
  }
  return {};
}

Result<std::map<std::size_t, PortalTask>> Portal::stored_tasks() {
  auto stored = dynamodb_.query_all(partition_query(options_.portal_table, "tasks"));
  if (!stored) return stored.error();
  std::map<std::size_t, PortalTask> tasks;
  for (const auto& item : *stored) {
    auto task = parse_task_item(item);
    if (!task) return task.error();
    tasks.emplace(task->index, std::move(*task));
  }
  return tasks;
}

Result<PortalTask> Portal::make_task(std::size_t index, const json& manifest_line) {
  // The same event Ground Truth sends, so the batches and the task input are the same.
  functions::PreLabeling pre_labeling({options_.aws, "", options_.stack_bucket, false});
  auto answer = pre_labeling.run({{"version", "2018-10-06"},
                                  {"labelingJobArn", kPortalJobArn},
                                  {"dataObject", manifest_line}});
  if (!answer) return with_context(task_name(index), answer.error());
  auto items = parse_batch((*answer)["taskInput"]["sourceRef"].dump());
  if (!items) return with_context(task_name(index), items.error());
  PortalTask task{index, manifest_line["source-ref"], (*answer)["taskInput"], std::move(*items)};
  // Written once: a portal that started at the same moment wrote the same task first.
  auto put = dynamodb_.call("PutItem", {{"TableName", options_.portal_table},
                                        {"Item", task_item(task, options_.workers_per_task)},
                                        {"ConditionExpression", "attribute_not_exists(pk)"}});
  if (!put && !is_refused(put.error())) return put.error();
  if (!put) {
    auto item = dynamodb_.get_item(options_.portal_table, task_key(index));
    if (!item) return item.error();
    if (!*item) return make_error(errc::kMissingItem, task_name(index) + " vanished");
    return parse_task_item(**item);
  }
  return task;
}

Result<std::vector<TaskPlaces>> Portal::read_places() {
  auto items = dynamodb_.query_all(partition_query(options_.portal_table, "tasks"));
  if (!items) return items.error();
  std::vector<TaskPlaces> places;
  for (const auto& item : *items) {
    auto task = parse_task_places(item);
    if (!task) return task.error();
    if (task->task < tasks_.size()) places.push_back(std::move(*task));
  }
  return places;
}

Result<NextTask> Portal::next_task(const std::string& reviewer) {
  std::lock_guard lock(mutex_);
  for (int round = 0; round < kMaxClaimRounds; ++round) {
    auto places = read_places();
    if (!places) return places.error();
    const auto choices = place_choices(*places, reviewer, options_.clock());
    if (choices.empty()) return NextTask{std::nullopt, counts_of(*places)};
    auto claimed = claim(*places, choices, reviewer);
    if (!claimed) return claimed.error();
    if (*claimed) return NextTask{assigned(**claimed), counts_of(*places)};
  }
  return make_error(errc::kTimeout, "other portals took every open place " +
                                        std::to_string(kMaxClaimRounds) + " times in a row");
}

Result<std::optional<Portal::Claimed>> Portal::claim(const std::vector<TaskPlaces>& places,
                                                     const std::vector<PlaceChoice>& choices,
                                                     const std::string& reviewer) {
  for (const PlaceChoice& choice : choices) {
    const TaskPlaces& task = *std::find_if(places.begin(), places.end(),
                                           [&](const auto& t) { return t.task == choice.task; });
    const SystemClock::time_point now = options_.clock();
    // A renewed lease keeps the time the task was first handed out.
    const auto handed_out = choice.renew ? task.places[choice.place]->handed_out : now;
    const Lease lease{reviewer, handed_out, now + options_.lease_time, false};
    auto claimed = dynamodb_.update_item(
        claim_request(options_.portal_table, choice, task.places.size(), lease, now));
    if (claimed) return std::optional<Claimed>{Claimed{choice.task, lease.until}};
    if (!is_refused(claimed.error())) return claimed.error();
  }
  return std::optional<Claimed>{};
}

std::set<std::string> Portal::image_buckets() const {
  std::set<std::string> buckets;
  for (const auto& task : tasks_) {
    for (const auto& item : task.items) {
      if (auto uri = parse_s3_uri(item.s3_image_url)) buckets.insert(uri->bucket);
    }
  }
  return buckets;
}

AssignedTask Portal::assigned(const Claimed& claimed) const {
  const PortalTask& task = tasks_[claimed.task];
  AssignedTask assigned{task.index, task.input, {}, claimed.until};
  for (const auto& item : task.items) {
    auto uri = parse_s3_uri(item.s3_image_url);
    if (uri) assigned.image_urls[item.s3_image_url] = options_.image_url(*uri);
  }
  return assigned;
}

// Answers -------------------------------------------------------------------------------------

Result<SubmitOutcome> Portal::submit(std::size_t index, const std::string& reviewer,
                                     std::string content) {
  std::lock_guard lock(mutex_);
  if (index >= tasks_.size()) {
    return make_error(errc::kUnknownTask, "there is no " + task_name(index));
  }
  const PortalTask& task = tasks_[index];
  auto item = dynamodb_.get_item(options_.portal_table, task_key(index));
  if (!item) return item.error();
  if (!*item) return make_error(errc::kMissingItem, task_name(index) + " is not in the table");
  auto places = parse_task_places(**item);
  if (!places) return places.error();
  if (has_answered(*places, reviewer)) {
    return make_error(errc::kAlreadyAnswered, reviewer + " answered " + task_name(index));
  }
  // The reviewer's place, even when its lease ran out: nobody else took it, so the answer counts.
  const auto place = std::find_if(
      places->places.begin(), places->places.end(),
      [&](const auto& lease) { return lease && lease->reviewer == reviewer && !lease->answered; });
  if (place == places->places.end()) {
    return make_error(errc::kLeaseLost, reviewer + " does not hold " + task_name(index));
  }
  // Read only now: what a refusal says of the batch is for the reviewer holding the task.
  auto votes = parse_votes(content, task.items);
  if (!votes) return with_context(task_name(index), votes.error());
  const auto unchecked = static_cast<std::size_t>(std::count_if(
      votes->begin(), votes->end(), [](const Vote& vote) { return !vote.confirmed; }));
  const AnswerItem answer{{index, task.items.front().label, reviewer, (*place)->handed_out,
                           options_.clock(), task.items.size(), unchecked},
                          // Exactly the votes, whatever else the client put in the answer: it
                          // carries no data of its own into the table.
                          annotation_content(task.items, *votes),
                          false};
  const auto place_index = static_cast<std::size_t>(place - places->places.begin());
  if (Status stored = store_answer(answer, place_index); !stored) return stored.error();
  if (Status applied = apply_answer(answer); !applied) return applied.error();
  auto complete = mark_complete(index);
  if (!complete) return complete.error();
  auto all = read_places();
  if (!all) return all.error();
  const SubmitOutcome outcome{*complete, counts_of(*all)};
  if (options_.on_answer) options_.on_answer(outcome.counts);
  return outcome;
}

Status Portal::store_answer(const AnswerItem& answer, std::size_t place) {
  // The answer is durable before any vote is counted: a portal stopped after this counts it when
  // it starts again (repair).
  const std::string what = answer.record.reviewer + " " + task_name(answer.record.task);
  for (int round = 0; round < kMaxStoreRounds; ++round) {
    auto stored = dynamodb_.call("TransactWriteItems",
                                 store_answer_request(options_.portal_table, place, answer));
    if (stored) return {};
    if (!is_refused(stored.error())) return stored.error();
    // Refused: a concurrent request of the same reviewer answered, the place went to another, or
    // (DynamoDB cancels a transaction that meets another write to one of its items) a
    // co-reviewer's answer to the same task was written at the same moment: then the place is
    // still this reviewer's, and the answer is sent again.
    auto exists = dynamodb_.get_item(options_.portal_table,
                                     answer_key(answer.record.task, answer.record.reviewer));
    if (!exists) return exists.error();
    if (*exists) return make_error(errc::kAlreadyAnswered, what + ": answered already");
    auto held = holds_place(answer.record.task, place, answer.record.reviewer);
    if (!held) return held.error();
    if (!*held) return make_error(errc::kLeaseLost, what + ": the place went to another reviewer");
  }
  return make_error(errc::kVoteConflict, what +
                                             ": the answer kept meeting concurrent writes to "
                                             "its task; send it again");
}

Result<bool> Portal::holds_place(std::size_t task, std::size_t place, const std::string& reviewer) {
  auto item = dynamodb_.get_item(options_.portal_table, task_key(task));
  if (!item) return item.error();
  if (!*item) return make_error(errc::kMissingItem, task_name(task) + " is not in the table");
  auto places = parse_task_places(**item);
  if (!places) return places.error();
  if (place >= places->places.size()) return false;
  const auto& lease = places->places[place];
  return lease && lease->reviewer == reviewer && !lease->answered;
}

Status Portal::apply_answer(const AnswerItem& answer) {
  const PortalTask& task = tasks_.at(answer.record.task);
  auto votes = parse_votes(answer.content, task.items);
  if (!votes) return with_context(task_name(task.index), votes.error());
  const auto tallies = tally_batch(task.items, {{answer.record.reviewer, std::move(*votes)}});
  std::vector<functions::ImageVotes> image_votes;
  functions::add_image_votes(labeling_job_, std::to_string(task.index), tallies, image_votes);
  functions::VoteCounter counter(dynamodb_, options_.image_table);
  if (Status counted = counter.apply_votes(std::move(image_votes)); !counted) return counted;
  auto marked =
      dynamodb_.update_item({{"TableName", options_.portal_table},
                             {"Key", answer_key(answer.record.task, answer.record.reviewer)},
                             {"UpdateExpression", "SET applied = :true"},
                             {"ExpressionAttributeValues", {{":true", {{"BOOL", true}}}}}});
  if (!marked) return marked.error();
  return {};
}

Result<bool> Portal::mark_complete(std::size_t index) {
  // Only the first answer to find the task full says it completed it.
  auto marked =
      dynamodb_.update_item({{"TableName", options_.portal_table},
                             {"Key", task_key(index)},
                             {"UpdateExpression", "SET complete = :true"},
                             {"ConditionExpression", "answers >= workers AND complete = :false"},
                             {"ExpressionAttributeValues",
                              {{":true", {{"BOOL", true}}}, {":false", {{"BOOL", false}}}}}});
  if (marked) return true;
  if (is_refused(marked.error())) return false;
  return marked.error();
}

Result<std::vector<AnswerItem>> Portal::read_answers() {
  auto items = dynamodb_.query_all(partition_query(options_.portal_table, "answers"));
  if (!items) return items.error();
  std::vector<AnswerItem> answers;
  for (const auto& item : *items) {
    auto answer = parse_answer_item(item);
    if (!answer) return answer.error();
    if (answer->record.task >= tasks_.size()) {
      return make_error(errc::kInvalidItem, "an answer names " + task_name(answer->record.task) +
                                                ", which the manifest lacks");
    }
    answers.push_back(std::move(*answer));
  }
  return answers;
}

Status Portal::repair() {
  std::lock_guard lock(mutex_);
  auto answers = read_answers();
  if (!answers) return answers.error();
  std::size_t repaired = 0;
  for (const auto& answer : *answers) {
    if (answer.applied) continue;
    if (Status applied = apply_answer(answer); !applied) return applied;
    ++repaired;
  }
  if (repaired > 0) log::info("portal answers counted at start", {{"answers", repaired}});
  return {};
}

// Images --------------------------------------------------------------------------------------

Result<std::string> Portal::image(const std::string& reviewer, const S3Uri& uri) {
  std::lock_guard lock(mutex_);
  auto places = read_places();
  if (!places) return places.error();
  const auto now = options_.clock();
  for (const auto& task : *places) {
    if (!held_place(task, reviewer, now)) continue;
    for (const auto& item : tasks_[task.task].items) {
      if (item.s3_image_url == uri.str()) return s3_.get_object(uri.bucket, uri.key);
    }
  }
  return make_error(errc::kNotATaskImage,
                    uri.str() + " is not an image of a task " + reviewer + " holds");
}

// Progress ------------------------------------------------------------------------------------

Result<std::vector<AnswerRecord>> Portal::answer_records() {
  std::lock_guard lock(mutex_);
  auto answers = read_answers();
  if (!answers) return answers.error();
  std::vector<AnswerRecord> records;
  for (auto& answer : *answers) records.push_back(std::move(answer.record));
  return records;
}

Result<ProgressInputs> Portal::progress_inputs() {
  auto records = answer_records();
  if (!records) return records.error();
  std::lock_guard lock(mutex_);
  auto places = read_places();
  if (!places) return places.error();
  ProgressInputs inputs;
  for (const auto& task : *places) {
    const auto answered = static_cast<std::size_t>(
        std::count_if(task.places.begin(), task.places.end(),
                      [](const std::optional<Lease>& place) { return place && place->answered; }));
    inputs.tasks.push_back(
        {task.task, tasks_[task.task].items.front().label, task.places.size(), answered});
  }
  inputs.answers = std::move(*records);
  return inputs;
}

Result<json> Portal::progress() {
  auto inputs = progress_inputs();
  if (!inputs) return inputs.error();
  return progress_json(summarize_progress(*inputs, options_.clock()));
}

Result<std::string> Portal::report_html() {
  std::lock_guard lock(mutex_);
  auto items = dynamodb_.scan_all(options_.image_table);
  if (!items) return items.error();
  auto images = functions::reviewed_images(*items);
  if (!images) return images.error();
  auto report = build_report(*images);
  if (!report) return report.error();
  return bulkqa::report_html(*report);
}

// Reviewers and sessions ----------------------------------------------------------------------

Result<Invite> Portal::add_reviewer(const std::string& name, bool admin) {
  if (!valid_reviewer_name(name)) {
    return make_error(
        errc::kInvalidReviewerName,
        "reviewer name " + quote_value(name) + ": use 1 to 64 letters, digits, '.', '_' or '-'");
  }
  std::lock_guard lock(mutex_);
  const auto now = options_.clock();
  const std::string token = new_secret();
  const Invite invite{name, token, now + options_.invite_lifetime};
  // The reviewer and its invite together: never a reviewer nobody can sign in as.
  const json put_reviewer = {{"TableName", options_.portal_table},
                             {"Item", reviewer_item({{name, admin, false, now}, 0})},
                             {"ConditionExpression", "attribute_not_exists(pk)"}};
  const json put_invite = {{"TableName", options_.portal_table},
                           {"Item", invite_item(token, invite)}};
  auto written = dynamodb_.call(
      "TransactWriteItems", {{"TransactItems", {{{"Put", put_reviewer}}, {{"Put", put_invite}}}}});
  if (written) return invite;
  if (is_refused(written.error())) {
    return make_error(errc::kReviewerExists, "there is a reviewer " + quote_value(name));
  }
  return written.error();
}

Result<std::vector<Reviewer>> Portal::list_reviewers() {
  std::lock_guard lock(mutex_);
  auto items = dynamodb_.query_all(partition_query(options_.portal_table, "reviewers"));
  if (!items) return items.error();
  std::vector<Reviewer> reviewers;
  for (const auto& item : *items) {
    auto reviewer = parse_reviewer_item(item);
    if (!reviewer) return reviewer.error();
    reviewers.push_back(std::move(reviewer->reviewer));
  }
  return reviewers;
}

Status Portal::revoke_reviewer(const std::string& name) {
  std::lock_guard lock(mutex_);
  // A new generation voids every session made before, without finding them.
  auto revoked = dynamodb_.update_item(
      {{"TableName", options_.portal_table},
       {"Key", reviewer_key(name)},
       {"UpdateExpression", "SET revoked = :true ADD generation :one"},
       {"ConditionExpression", "attribute_exists(pk)"},
       {"ExpressionAttributeValues", {{":true", {{"BOOL", true}}}, {":one", {{"N", "1"}}}}}});
  if (revoked) return {};
  if (is_refused(revoked.error())) {
    return make_error(errc::kUnknownReviewer, "there is no reviewer " + quote_value(name));
  }
  return revoked.error();
}

Result<ReviewerItem> Portal::live_reviewer(const std::string& name) {
  auto item = dynamodb_.get_item(options_.portal_table, reviewer_key(name));
  if (!item) return item.error();
  if (!*item)
    return make_error(errc::kUnknownReviewer, "there is no reviewer " + quote_value(name));
  return parse_reviewer_item(**item);
}

Result<NewSession> Portal::redeem_invite(std::string_view token) {
  if (!looks_like_secret(token)) return invalid_invite();
  std::lock_guard lock(mutex_);
  const auto now = options_.clock();
  // Deleting the invite is the redemption: of two concurrent redemptions only one deletes it.
  auto deleted = dynamodb_.call(
      "DeleteItem",
      {{"TableName", options_.portal_table},
       {"Key", invite_key(token)},
       {"ConditionExpression", "attribute_exists(pk) AND expires > :now"},
       {"ExpressionAttributeValues", {{":now", {{"N", std::to_string(to_millis(now))}}}}},
       {"ReturnValues", "ALL_OLD"}});
  if (!deleted) return is_refused(deleted.error()) ? invalid_invite() : deleted.error();
  auto name = aws::string_attribute(deleted->value("Attributes", json::object()), "reviewer");
  if (!name) return name.error();
  auto reviewer = live_reviewer(*name);
  if (!reviewer)
    return reviewer.error().code == errc::kUnknownReviewer ? invalid_invite() : reviewer.error();
  if (reviewer->reviewer.revoked) return invalid_invite();
  const std::string session_id = new_secret();
  const SessionItem session{*name, reviewer->generation, now + options_.session_lifetime};
  auto put = dynamodb_.call("PutItem", {{"TableName", options_.portal_table},
                                        {"Item", session_item(session_id, session)},
                                        {"ConditionExpression", "attribute_not_exists(pk)"}});
  if (!put) return put.error();
  return NewSession{session_id, *name, reviewer->reviewer.admin, session.expires};
}

Result<SessionOwner> Portal::check_session(std::string_view session_id) {
  if (!looks_like_secret(session_id)) return no_session();
  std::lock_guard lock(mutex_);
  auto item = dynamodb_.get_item(options_.portal_table, session_key(session_id));
  if (!item) return item.error();
  if (!*item) return no_session();
  auto session = parse_session_item(**item);
  if (!session) return session.error();
  if (session->expires <= options_.clock()) return no_session();
  auto reviewer = live_reviewer(session->reviewer);
  if (!reviewer)
    return reviewer.error().code == errc::kUnknownReviewer ? no_session() : reviewer.error();
  if (reviewer->reviewer.revoked || reviewer->generation != session->generation) {
    return no_session();
  }
  return SessionOwner{session->reviewer, reviewer->reviewer.admin, session->expires};
}

Status Portal::end_session(std::string_view session_id) {
  if (!looks_like_secret(session_id)) return {};
  std::lock_guard lock(mutex_);
  auto deleted = dynamodb_.call(
      "DeleteItem", {{"TableName", options_.portal_table}, {"Key", session_key(session_id)}});
  if (!deleted) return deleted.error();
  return {};
}

}  // namespace bulkqa::portal
