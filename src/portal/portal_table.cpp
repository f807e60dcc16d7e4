#include "bulkqa/portal/portal_table.hpp"

#include <openssl/rand.h>

#include <array>
#include <stdexcept>

#include "bulkqa/aws/dynamodb.hpp"
#include "bulkqa/aws/sigv4.hpp"
#include "bulkqa/qa/ground_truth.hpp"
#include "bulkqa/util/json_fields.hpp"

namespace bulkqa::portal {
namespace {

using nlohmann::json;

constexpr std::size_t kSecretBytes = 32;
constexpr const char* kTasksPartition = "tasks";
constexpr const char* kAnswersPartition = "answers";
constexpr const char* kReviewersPartition = "reviewers";

json string_value(std::string_view text) {
  return {{"S", std::string(text)}};
}
json number_value(std::int64_t number) {
  return {{"N", std::to_string(number)}};
}
json bool_value(bool value) {
  return {{"BOOL", value}};
}
json time_value(SystemClock::time_point time) {
  return number_value(to_millis(time));
}
// Seconds since the epoch, as DynamoDB's TTL reads them.
json ttl_value(SystemClock::time_point time) {
  return number_value(
      std::chrono::duration_cast<std::chrono::seconds>(time.time_since_epoch()).count());
}

// Indexes padded to ten digits, so sort keys sort as numbers do.
std::string index_key(std::size_t index) {
  std::string digits = std::to_string(index);
  return std::string(10 - std::min<std::size_t>(10, digits.size()), '0') + digits;
}

Result<SystemClock::time_point> time_attribute(const json& item, std::string_view name) {
  auto millis = aws::count_attribute(item, name);
  if (!millis) return millis.error();
  return from_millis(static_cast<std::int64_t>(*millis));
}

// DynamoDB refuses a request naming a placeholder its expressions do not use (a one-place task
// has no other place to check the reviewer against).
json used_in(const json& placeholders, const std::string& expressions) {
  json used = json::object();
  for (const auto& [name, value] : placeholders.items()) {
    if (expressions.find(name) != std::string::npos) used[name] = value;
  }
  return used;
}

std::string place_attribute(std::size_t place) {
  return "place" + std::to_string(place);
}

json lease_value(const Lease& lease) {
  return {{"M",
           {{"reviewer", string_value(lease.reviewer)},
            {"handed_out", time_value(lease.handed_out)},
            {"until", time_value(lease.until)},
            {"answered", bool_value(lease.answered)}}}};
}

// The first error of several attribute reads, or nullptr.
const Error* first_error(std::initializer_list<const Error*> errors) {
  for (const Error* error : errors) {
    if (error) return error;
  }
  return nullptr;
}

template <typename T>
const Error* error_of(const Result<T>& result) {
  return result ? nullptr : &result.error();
}

Result<std::optional<Lease>> parse_lease(const json& item, std::size_t place) {
  const std::string name = place_attribute(place);
  if (!item.contains(name)) return std::optional<Lease>{};
  const json* map = item[name].is_object() && item[name].contains("M") ? &item[name]["M"] : nullptr;
  if (!map || !map->is_object()) {
    return make_error(errc::kInvalidItem, "attribute '" + name + "' is not a map (M)");
  }
  auto reviewer = aws::string_attribute(*map, "reviewer");
  auto handed_out = time_attribute(*map, "handed_out");
  auto until = time_attribute(*map, "until");
  auto answered = aws::bool_attribute(*map, "answered");
  if (const Error* error = first_error(
          {error_of(reviewer), error_of(handed_out), error_of(until), error_of(answered)})) {
    return with_context(name, *error);
  }
  return std::optional<Lease>{Lease{*reviewer, *handed_out, *until, *answered}};
}

}  // namespace

std::string new_secret() {
  std::array<unsigned char, kSecretBytes> bytes{};
  // Failing to draw random bytes means a broken OpenSSL: a bug, not input.
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    throw std::runtime_error("OpenSSL RAND_bytes failed");
  }
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  for (unsigned char byte : bytes) {
    hex += kDigits[byte >> 4];
    hex += kDigits[byte & 0x0f];
  }
  return hex;
}

std::string secret_hash(std::string_view secret) {
  return aws::sha256_hex(secret);
}

std::int64_t to_millis(SystemClock::time_point time) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
}

SystemClock::time_point from_millis(std::int64_t millis) {
  return SystemClock::time_point(
      std::chrono::duration_cast<SystemClock::duration>(std::chrono::milliseconds(millis)));
}

json reviewer_key(std::string_view name) {
  return {{"pk", string_value(kReviewersPartition)}, {"sk", string_value(name)}};
}

json invite_key(std::string_view token) {
  return {{"pk", string_value("invite#" + secret_hash(token))}, {"sk", string_value("invite")}};
}

json session_key(std::string_view session_id) {
  return {{"pk", string_value("session#" + secret_hash(session_id))},
          {"sk", string_value("session")}};
}

json task_key(std::size_t index) {
  return {{"pk", string_value(kTasksPartition)}, {"sk", string_value(index_key(index))}};
}

json answer_key(std::size_t task, std::string_view reviewer) {
  return {{"pk", string_value(kAnswersPartition)},
          {"sk", string_value(index_key(task) + "#" + std::string(reviewer))}};
}

json reviewer_item(const ReviewerItem& item) {
  json attributes = reviewer_key(item.reviewer.name);
  attributes["name"] = string_value(item.reviewer.name);
  attributes["admin"] = bool_value(item.reviewer.admin);
  attributes["revoked"] = bool_value(item.reviewer.revoked);
  attributes["generation"] = number_value(static_cast<std::int64_t>(item.generation));
  attributes["created"] = time_value(item.reviewer.created);
  return attributes;
}

Result<ReviewerItem> parse_reviewer_item(const json& item) {
  auto name = aws::string_attribute(item, "name");
  auto admin = aws::bool_attribute(item, "admin");
  auto revoked = aws::bool_attribute(item, "revoked");
  auto generation = aws::count_attribute(item, "generation");
  auto created = time_attribute(item, "created");
  if (const Error* error = first_error({error_of(name), error_of(admin), error_of(revoked),
                                        error_of(generation), error_of(created)})) {
    return with_context("reviewer item", *error);
  }
  return ReviewerItem{{*name, *admin, *revoked, *created}, *generation};
}

json invite_item(std::string_view token, const Invite& invite) {
  json attributes = invite_key(token);
  attributes["reviewer"] = string_value(invite.reviewer);
  attributes["expires"] = time_value(invite.expires);
  attributes[kTtlAttribute] = ttl_value(invite.expires);
  return attributes;
}

json session_item(std::string_view session_id, const SessionItem& session) {
  json attributes = session_key(session_id);
  attributes["reviewer"] = string_value(session.reviewer);
  attributes["generation"] = number_value(static_cast<std::int64_t>(session.generation));
  attributes["expires"] = time_value(session.expires);
  attributes[kTtlAttribute] = ttl_value(session.expires);
  return attributes;
}

Result<SessionItem> parse_session_item(const json& item) {
  auto reviewer = aws::string_attribute(item, "reviewer");
  auto generation = aws::count_attribute(item, "generation");
  auto expires = time_attribute(item, "expires");
  if (const Error* error =
          first_error({error_of(reviewer), error_of(generation), error_of(expires)})) {
    return with_context("session item", *error);
  }
  return SessionItem{*reviewer, *generation, *expires};
}

json task_item(const PortalTask& task, std::size_t workers) {
  json attributes = task_key(task.index);
  attributes["index"] = number_value(static_cast<std::int64_t>(task.index));
  attributes["source_ref"] = string_value(task.source_ref);
  attributes["input"] = string_value(task.input.dump());
  attributes["workers"] = number_value(static_cast<std::int64_t>(workers));
  attributes["answers"] = number_value(0);
  attributes["complete"] = bool_value(false);
  return attributes;
}

Result<PortalTask> parse_task_item(const json& item) {
  auto index = aws::count_attribute(item, "index");
  auto source_ref = aws::string_attribute(item, "source_ref");
  auto input_text = aws::string_attribute(item, "input");
  if (const Error* error =
          first_error({error_of(index), error_of(source_ref), error_of(input_text)})) {
    return with_context("task item", *error);
  }
  const std::string what = "task item " + std::to_string(*index) + ": input";
  auto input = parse_json(*input_text, what, errc::kInvalidItem);
  if (!input) return input.error();
  if (!input->is_object() || !input->contains("sourceRef")) {
    return make_error(errc::kInvalidItem, what + " has no sourceRef");
  }
  auto items = parse_batch((*input)["sourceRef"].dump());
  if (!items) return with_context(what, items.error());
  return PortalTask{static_cast<std::size_t>(*index), *source_ref, std::move(*input),
                    std::move(*items)};
}

Result<TaskPlaces> parse_task_places(const json& item) {
  auto index = aws::count_attribute(item, "index");
  auto workers = aws::count_attribute(item, "workers");
  if (const Error* error = first_error({error_of(index), error_of(workers)})) {
    return with_context("task item", *error);
  }
  TaskPlaces places{static_cast<std::size_t>(*index), {}};
  for (std::size_t place = 0; place < *workers; ++place) {
    auto lease = parse_lease(item, place);
    if (!lease) return with_context("task item " + std::to_string(*index), lease.error());
    places.places.push_back(std::move(*lease));
  }
  return places;
}

json answer_item(const AnswerItem& answer) {
  const AnswerRecord& record = answer.record;
  json attributes = answer_key(record.task, record.reviewer);
  attributes["task"] = number_value(static_cast<std::int64_t>(record.task));
  attributes["reviewer"] = string_value(record.reviewer);
  attributes["label"] = string_value(record.label);
  attributes["content"] = string_value(answer.content);
  attributes["handed_out"] = time_value(record.handed_out);
  attributes["submitted"] = time_value(record.submitted);
  attributes["images"] = number_value(static_cast<std::int64_t>(record.images));
  attributes["unchecked"] = number_value(static_cast<std::int64_t>(record.unchecked));
  attributes["applied"] = bool_value(answer.applied);
  return attributes;
}

Result<AnswerItem> parse_answer_item(const json& item) {
  auto task = aws::count_attribute(item, "task");
  auto reviewer = aws::string_attribute(item, "reviewer");
  auto label = aws::string_attribute(item, "label");
  auto content = aws::string_attribute(item, "content");
  auto handed_out = time_attribute(item, "handed_out");
  auto submitted = time_attribute(item, "submitted");
  auto images = aws::count_attribute(item, "images");
  auto unchecked = aws::count_attribute(item, "unchecked");
  auto applied = aws::bool_attribute(item, "applied");
  if (const Error* error =
          first_error({error_of(task), error_of(reviewer), error_of(label), error_of(content),
                       error_of(handed_out), error_of(submitted), error_of(images),
                       error_of(unchecked), error_of(applied)})) {
    return with_context("answer item", *error);
  }
  return AnswerItem{{static_cast<std::size_t>(*task), *label, *reviewer, *handed_out, *submitted,
                     static_cast<std::size_t>(*images), static_cast<std::size_t>(*unchecked)},
                    *content,
                    *applied};
}

json claim_request(const std::string& table, const PlaceChoice& choice, std::size_t workers,
                   const Lease& lease, SystemClock::time_point now) {
  json names = {{"#reviewer", "reviewer"}, {"#until", "until"}, {"#answered", "answered"}};
  const auto place_name = [&](std::size_t place) {
    const std::string name = "#p" + std::to_string(place);
    names[name] = place_attribute(place);
    return name;
  };
  const auto open = [](const std::string& p) {
    return "(" + p + ".#answered = :false AND " + p + ".#until <= :now)";
  };
  const std::string chosen = place_name(choice.place);
  std::string condition =
      choice.renew ? chosen + ".#reviewer = :reviewer AND " + chosen + ".#answered = :false"
                   : "attribute_exists(pk) AND (attribute_not_exists(" + chosen + ") OR " +
                         open(chosen) + ")";
  // The reviewer neither answered nor holds another place of the task: places go to distinct
  // reviewers.
  for (std::size_t place = 0; place < workers; ++place) {
    if (place == choice.place) continue;
    const std::string other = place_name(place);
    condition += " AND (attribute_not_exists(" + other + ") OR " + other +
                 ".#reviewer <> :reviewer OR " + open(other) + ")";
  }
  const std::string update = "SET " + chosen + " = :lease";
  const json values = {{":reviewer", string_value(lease.reviewer)},
                       {":false", bool_value(false)},
                       {":now", time_value(now)},
                       {":lease", lease_value(lease)}};
  return {{"TableName", table},
          {"Key", task_key(choice.task)},
          {"UpdateExpression", update},
          {"ConditionExpression", condition},
          {"ExpressionAttributeNames", used_in(names, update + " " + condition)},
          {"ExpressionAttributeValues", used_in(values, update + " " + condition)}};
}

json store_answer_request(const std::string& table, std::size_t place, const AnswerItem& answer) {
  json mark_answered = {
      {"TableName", table},
      {"Key", task_key(answer.record.task)},
      {"UpdateExpression", "SET #p.#answered = :true ADD answers :one"},
      {"ConditionExpression", "#p.#reviewer = :reviewer AND #p.#answered = :false"},
      {"ExpressionAttributeNames",
       {{"#p", place_attribute(place)}, {"#reviewer", "reviewer"}, {"#answered", "answered"}}},
      {"ExpressionAttributeValues",
       {{":reviewer", string_value(answer.record.reviewer)},
        {":true", bool_value(true)},
        {":false", bool_value(false)},
        {":one", number_value(1)}}}};
  json put_answer = {{"TableName", table},
                     {"Item", answer_item(answer)},
                     {"ConditionExpression", "attribute_not_exists(pk)"}};
  return {{"TransactItems", {{{"Update", mark_answered}}, {{"Put", put_answer}}}}};
}

}  // namespace bulkqa::portal
