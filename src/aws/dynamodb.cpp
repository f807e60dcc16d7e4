#include "bulkqa/aws/dynamodb.hpp"

namespace bulkqa::aws {
namespace {

Error malformed_answer(std::string_view operation, std::string_view detail) {
  Error error =
      make_error(errc::kMalformedResponse, std::string(operation) + ": " + std::string(detail));
  error.service = "dynamodb";
  return error;
}

Result<nlohmann::json> parse_answer(const std::string& operation, const ServiceOutcome& outcome) {
  if (!outcome) return outcome.error();
  return parse_dynamodb_answer(operation, outcome->body);
}

}  // namespace

Result<nlohmann::json> parse_dynamodb_answer(std::string_view operation, std::string_view body) {
  auto json = nlohmann::json::parse(body, nullptr, false);
  if (json.is_discarded() || !json.is_object()) {
    return malformed_answer(operation, "the answer is not a JSON object");
  }
  return json;
}

Result<ScanPage> parse_scan_page(nlohmann::json answer) {
  ScanPage page;
  if (auto items = answer.find("Items"); items != answer.end()) {
    if (!items->is_array()) return malformed_answer("Scan", "Items is not an array");
    for (auto& item : *items) {
      if (!item.is_object()) return malformed_answer("Scan", "an item is not an object");
      page.items.push_back(std::move(item));
    }
  }
  if (auto key = answer.find("LastEvaluatedKey"); key != answer.end()) {
    if (!key->is_object()) return malformed_answer("Scan", "LastEvaluatedKey is not an object");
    page.last_evaluated_key = std::move(*key);
  }
  return page;
}

DynamoDbClient::DynamoDbClient(const AwsConfig& config, HttpClient& http, RetryOptions retry)
    : client_("dynamodb", config.dynamodb, config.region, credential_source_of(config), http,
              retry) {}

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

Result<std::vector<nlohmann::json>> DynamoDbClient::scan_all(const std::string& table) {
  std::vector<nlohmann::json> items;
  nlohmann::json request = {{"TableName", table}, {"ConsistentRead", true}};
  while (true) {
    auto answer = call("Scan", request);
    if (!answer) return answer.error();
    auto page = parse_scan_page(std::move(*answer));
    if (!page) return page.error();
    items.insert(items.end(), std::make_move_iterator(page->items.begin()),
                 std::make_move_iterator(page->items.end()));
    if (!page->last_evaluated_key) break;
    request["ExclusiveStartKey"] = std::move(*page->last_evaluated_key);
  }
  return items;
}

}  // namespace bulkqa::aws
