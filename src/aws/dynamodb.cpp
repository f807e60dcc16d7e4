#include "bulkqa/aws/dynamodb.hpp"

#include <algorithm>
#include <random>
#include <thread>

namespace bulkqa::aws {
namespace {

constexpr std::size_t kMaxItemsPerBatchWrite = 25;
constexpr int kMaxUnprocessedRounds = 10;

Result<nlohmann::json> parse_answer(const std::string& operation, const ServiceOutcome& outcome) {
  if (!outcome) return outcome.error();
  auto json = nlohmann::json::parse(outcome->body, nullptr, false);
  if (json.is_discarded() || !json.is_object()) {
    Error error = make_error("MalformedResponse", operation + ": the answer is not a JSON object");
    error.service = "dynamodb";
    return error;
  }
  return json;
}

std::vector<nlohmann::json> batch_write_requests(const std::string& table,
                                                 const std::vector<nlohmann::json>& put_requests) {
  std::vector<nlohmann::json> requests;
  for (std::size_t first = 0; first < put_requests.size(); first += kMaxItemsPerBatchWrite) {
    const std::size_t last = std::min(put_requests.size(), first + kMaxItemsPerBatchWrite);
    nlohmann::json writes = nlohmann::json::array();
    for (std::size_t i = first; i < last; ++i) writes.push_back(put_requests[i]);
    requests.push_back({{"RequestItems", {{table, std::move(writes)}}}});
  }
  return requests;
}

// Capped exponential backoff with full jitter between rounds of unprocessed items.
void wait_before_round(int round) {
  static thread_local std::mt19937_64 random{std::random_device{}()};
  const auto cap = std::min<long long>(5000, 50LL << std::min(round, 10));
  std::uniform_int_distribution<long long> delay(0, cap);
  std::this_thread::sleep_for(std::chrono::milliseconds(delay(random)));
}

}  // namespace

DynamoDbClient::DynamoDbClient(const AwsConfig& config, HttpClient& http, RetryOptions retry)
    : client_("dynamodb", config.dynamodb, config.region, config.credentials, http, retry) {}

ServiceRequest DynamoDbClient::json_request(const std::string& operation,
                                            const nlohmann::json& body) const {
  ServiceRequest request;
  request.method = "POST";
  request.path = "/";
  request.headers = {{"Content-Type", "application/x-amz-json-1.0"},
                     {"X-Amz-Target", "DynamoDB_20120810." + operation}};
  request.body = body.dump();
  return request;
}

std::vector<Result<nlohmann::json>> DynamoDbClient::call_all(
    const std::string& operation, const std::vector<nlohmann::json>& requests) {
  std::vector<ServiceRequest> calls;
  calls.reserve(requests.size());
  for (const auto& request : requests) calls.push_back(json_request(operation, request));
  std::vector<Result<nlohmann::json>> answers;
  answers.reserve(requests.size());
  for (const auto& outcome : client_.call_all(std::move(calls))) {
    answers.push_back(parse_answer(operation, outcome));
  }
  return answers;
}

Result<nlohmann::json> DynamoDbClient::call(const std::string& operation,
                                            const nlohmann::json& request) {
  return parse_answer(operation, client_.call(json_request(operation, request)));
}

Status DynamoDbClient::put_item(const std::string& table, const nlohmann::json& item) {
  auto answer = call("PutItem", {{"TableName", table}, {"Item", item}});
  if (!answer) return answer.error();
  return {};
}

Result<std::optional<nlohmann::json>> DynamoDbClient::get_item(const std::string& table,
                                                               const nlohmann::json& key) {
  auto answer = call("GetItem", {{"TableName", table}, {"Key", key}, {"ConsistentRead", true}});
  if (!answer) return answer.error();
  if (!answer->contains("Item")) return std::optional<nlohmann::json>{};
  return std::optional<nlohmann::json>{std::move((*answer)["Item"])};
}

Result<nlohmann::json> DynamoDbClient::update_item(const nlohmann::json& request) {
  return call("UpdateItem", request);
}

Status DynamoDbClient::batch_write_items(const std::string& table,
                                         const std::vector<nlohmann::json>& items) {
  std::vector<nlohmann::json> pending;
  pending.reserve(items.size());
  for (const auto& item : items) pending.push_back({{"PutRequest", {{"Item", item}}}});

  for (int round = 0; !pending.empty(); ++round) {
    if (round == kMaxUnprocessedRounds) {
      Error error = make_error("UnprocessedItems", std::to_string(pending.size()) + " of " +
                                                       std::to_string(items.size()) +
                                                       " items stayed unprocessed in table '" +
                                                       table + "' after repeated BatchWriteItem");
      error.service = "dynamodb";
      error.retryable = true;
      return error;
    }
    if (round > 0) wait_before_round(round);
    std::vector<nlohmann::json> unprocessed;
    for (auto& answer : call_all("BatchWriteItem", batch_write_requests(table, pending))) {
      if (!answer) return answer.error();
      const auto& left = (*answer)["UnprocessedItems"];
      if (left.is_object() && left.contains(table)) {
        for (const auto& write : left[table]) unprocessed.push_back(write);
      }
    }
    pending = std::move(unprocessed);
  }
  return {};
}

Result<std::vector<nlohmann::json>> DynamoDbClient::scan_all(const std::string& table) {
  std::vector<nlohmann::json> items;
  nlohmann::json request = {{"TableName", table}, {"ConsistentRead", true}};
  while (true) {
    auto answer = call("Scan", request);
    if (!answer) return answer.error();
    for (auto& item : (*answer)["Items"]) items.push_back(std::move(item));
    if (!answer->contains("LastEvaluatedKey")) break;
    request["ExclusiveStartKey"] = (*answer)["LastEvaluatedKey"];
  }
  return items;
}

}  // namespace bulkqa::aws
