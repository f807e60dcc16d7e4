#include "bulkqa/aws/dynamodb.hpp"

#include "bulkqa/util/text.hpp"

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

namespace {

Error attribute_error(std::string_view name, std::string_view expected) {
  return make_error(errc::kInvalidItem,
                    "attribute '" + std::string(name) + "' is not " + std::string(expected));
}

// The value of the attribute of type `type` ("S", "N", "BOOL"), or nullptr.
const nlohmann::json* typed_value(const nlohmann::json& item, std::string_view name,
                                  const char* type) {
  const auto found = item.find(name);
  if (found == item.end() || !found->is_object()) return nullptr;
  const auto value = found->find(type);
  return value == found->end() ? nullptr : &*value;
}

}  // namespace

Result<std::string> string_attribute(const nlohmann::json& item, std::string_view name) {
  const nlohmann::json* value = typed_value(item, name, "S");
  if (!value || !value->is_string()) return attribute_error(name, "a string (S)");
  return value->get<std::string>();
}

const std::string* number_text(const nlohmann::json& item, std::string_view name) {
  const nlohmann::json* value = typed_value(item, name, "N");
  return value && value->is_string() ? value->get_ptr<const std::string*>() : nullptr;
}

Result<std::uint64_t> count_attribute(const nlohmann::json& item, std::string_view name) {
  const std::string* text = number_text(item, name);
  const auto count = text ? parse_unsigned(*text) : std::nullopt;
  if (!count) return attribute_error(name, "a count (N)");
  return *count;
}

Result<bool> bool_attribute(const nlohmann::json& item, std::string_view name) {
  const nlohmann::json* value = typed_value(item, name, "BOOL");
  if (!value || !value->is_boolean()) return attribute_error(name, "a boolean (BOOL)");
  return value->get<bool>();
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
  return read_all_pages("Scan", {{"TableName", table}, {"ConsistentRead", true}});
}

Result<std::vector<nlohmann::json>> DynamoDbClient::query_all(nlohmann::json request) {
  return read_all_pages("Query", std::move(request));
}

Result<std::vector<nlohmann::json>> DynamoDbClient::read_all_pages(const std::string& operation,
                                                                   nlohmann::json request) {
  std::vector<nlohmann::json> items;
  while (true) {
    auto answer = call(operation, request);
    if (!answer) return answer.error();
    // A Query's answer has the shape of a Scan's.
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
